"""End to end: the real OptoutBot logs in to the local fake Discord and answers.

Each test drives a whole journey (a slash command, a mention, a click...) through the
gateway and asserts on the exact payloads the bot sends back over REST. Nothing here
touches the real Discord: conftest patches discord.py's endpoints to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.app import SHUTDOWN_GRACE
from bot.discord_ui.traffic import HTTP_CONNECTIONS
from bot.discord_ui.views import FEEDBACK_REPLIES
from bot.outcome import Outcome
from bot.store import FeedbackResult
from tests.e2e.fake_discord import EPHEMERAL, FakeDiscord, Perm
from tests.testkit import eventually, nothing_within

FIXTURE_KB = Path(__file__).parent.parent / "fixtures" / "kb_min"
LINK = "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement"
HELP = (
    "• [Control whether LinkedIn uses your data to improve generative AI — LinkedIn Help, "
    "2025-10](https://www.linkedin.com/help/linkedin/answer/a6278444)"
)
NEWS = "• [Example news report — Example News, 2024-09-18](https://example.org/news)"
OVERVIEW = (
    "The setting exists everywhere; Europe, the UK, Canada and Hong Kong joined on 3 Nov 2025."
)
BLUE = 0x0A66C2
NO_PINGS = {"parse": []}
MEMBER_COMMANDS = ["optout", "ask", "topics", "sources"]  # moderator cogs may add more
Json = dict[str, Any]


# ---------------------------------------------------------------- expected payload builders


def field(name: str, value: str) -> Json:
    return {"inline": False, "name": name, "value": value}


def button(label: str, custom_id: str, *, style: int = 2, disabled: bool = False, emoji=None):
    data: Json = {
        "type": 2,
        "style": style,
        "disabled": disabled,
        "label": label,
        "custom_id": custom_id,
    }
    if emoji:
        data["emoji"] = {"id": None, "name": emoji}
    return data


def row(*components: Json) -> Json:
    return {"type": 1, "components": list(components)}


def platform_row(current: str | None, region: str = "-") -> Json:
    labels = [
        ("desktop", "Web", "🖥️"),
        ("mobile", "App", "📱"),
        ("ios", "iPhone / iPad", "📱"),
        ("android", "Android", "📱"),
    ]
    return row(
        *(
            button(
                label,
                f"ob:p:turn-off:{pid}:{region}",
                style=1 if pid == current else 2,
                disabled=pid == current,
                emoji=emoji,
            )
            for pid, label, emoji in labels
        )
    )


def region_row(platform: str, current: str | None = None) -> Json:
    names = [
        ("us", "United States"),
        ("eu", "EU and EEA"),
        ("uk", "United Kingdom"),
        ("ch", "Switzerland"),
        ("ca", "Canada"),
        ("hk", "Hong Kong"),
        ("other", "Elsewhere"),
    ]
    return row(
        {
            "type": 3,
            "custom_id": f"ob:r:turn-off:{platform}",
            "min_values": 1,
            "max_values": 1,
            "disabled": False,
            "required": True,
            "placeholder": "Where is your LinkedIn profile based? Pick a region",
            "options": [
                {"label": label, "value": rid, "default": rid == current} for rid, label in names
            ],
        }
    )


def remove_button() -> Json:
    return {
        "type": 2,
        "style": 2,
        "disabled": False,
        "custom_id": "ob:x:answer",
        "emoji": {"id": None, "name": "🗑️"},
    }


def feedback_row(entry: str, details: str | None = None, removable: bool = True) -> Json:
    """Row 3: Details (when the answer has more), 👍, 👎 and 🗑 (public answers)."""
    items = [button("Details", f"ob:d:{entry}:{details}", emoji="📄")] if details else []
    items += [
        button("Helpful", f"ob:f:{entry}:y", emoji="👍"),
        button("Not helpful", f"ob:f:{entry}:n", emoji="👎"),
    ]
    if removable:
        items.append(remove_button())
    return row(*items)


def embed(title: str, description: str, fields: list[Json], footer: str, url=None) -> Json:
    data: Json = {
        "footer": {"text": footer},
        "fields": fields,
        "flags": 0,
        "color": BLUE,
        "type": "rich",
        "description": description,
        "title": title,
    }
    if url:
        data["url"] = url
    return data


def optout_embed(platform_block: str, region_field: Json) -> Json:
    """The phone-first /optout answer (issue 12): the asked platform's steps, the link once,
    the region, one line on what it does not stop; the rest is behind Details."""
    return embed(
        "Turn off AI training on your data",
        f"Switch off **Data for Generative AI Improvement**.\n\n{platform_block}\n\n"
        f"**Direct link:** {LINK}",
        [region_field, field("What it does not stop", "Training that already happened")],
        "Last checked 2026-11-01 · Menu labels may differ slightly.",
        url=LINK,
    )


APP_STEPS = (
    "**In the app**\n1. Tap your photo\n2. Tap Settings\n3. Tap Data privacy\n"
    "4. Turn the toggle off"
)
WEB_STEPS = (
    "**On the web**\n1. Click Me\n2. Choose Settings & Privacy\n3. Open Data privacy\n"
    "4. Turn the toggle off"
)
NO_PLATFORM_STEPS = f"{WEB_STEPS}\n\n**App steps:** tap 📱 **App** below."
IOS_STEPS = APP_STEPS.replace("In the app", "iPhone / iPad app")
PRIVATE_EMBED = embed(
    "Are private messages used?",
    "LinkedIn says private messages are not used.",
    [field("Sources", f"{HELP}\n{NEWS}")],
    "Last checked 2026-11-01",
)


def reply_body(request_json: Json) -> Json:
    """A channel message body without the random nonce fields."""
    body = dict(request_json)
    assert body.pop("nonce").isdigit() and body.pop("enforce_nonce") is True
    return body


def reference(message: Json, guild_id: str | None) -> Json:
    ref = {
        "type": 0,
        "message_id": int(message["id"]),
        "channel_id": int(message["channel_id"]),
        "fail_if_not_exists": False,
    }
    if guild_id:
        ref["guild_id"] = int(guild_id)
    return ref


# ---------------------------------------------------------------- fixtures


def bot_role_id(fake: FakeDiscord, guild_id: str) -> str:
    return next(r["id"] for r in fake.roles[guild_id].values() if r["managed"])


async def recorded_gaps(store, guild_id: int, count: int, seconds: float = 2.0) -> list:
    """The server's gaps once ``count`` are there (a record is written just after the reply)."""
    return await eventually(
        lambda: store.gaps(guild_id), lambda g: len(g) >= count, seconds=seconds
    )


# ---------------------------------------------------------------- slash commands


async def test_commands_sync_to_the_dev_guild(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        (put,) = fake_discord.requests_matching("PUT", r"/applications/\d+/guilds/\d+/commands")
        assert not fake_discord.requests_matching("PUT", r"/applications/\d+/commands")
    commands = {c["name"]: c for c in put.json}
    assert [n for n in commands if n in MEMBER_COMMANDS] == MEMBER_COMMANDS
    optout = commands["optout"]
    assert optout["description"] == "How to stop LinkedIn using your data to train its AI"
    options = {o["name"]: o for o in optout["options"]}
    assert [c["value"] for c in options["platform"]["choices"]] == [
        "desktop",
        "mobile",
        "ios",
        "android",
    ]
    assert [c["value"] for c in options["region"]["choices"]] == [
        "us",
        "eu",
        "uk",
        "ch",
        "ca",
        "hk",
        "other",
    ]
    assert options["private"]["type"] == 5 and not options["private"].get("required")
    assert commands["ask"]["options"][0]["autocomplete"] is True


async def test_optout_mobile(fake_discord, world, make_bot, run_bot, store):
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout", {"platform": "mobile"}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter)
    assert body == {
        "type": 4,
        "data": {
            "tts": False,
            "content": None,
            "embeds": [optout_embed(APP_STEPS, field("Regions", OVERVIEW))],
            "components": [
                platform_row("mobile"),
                region_row("mobile"),
                feedback_row("turn-off", "mobile:-"),
            ],
            "allowed_mentions": NO_PINGS,
        },
    }
    assert fake_discord.interaction_responses(inter.id) == [body]  # acknowledged once


async def test_optout_desktop_region_eu_private(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout",
            {"platform": "desktop", "region": "eu", "private": True},
            user=world.user,
            channel_id=world.channel["id"],
        )
        body = await fake_discord.wait_for_interaction_response(inter)
    assert body == {
        "type": 4,
        "data": {
            "tts": False,
            "content": None,
            "flags": EPHEMERAL,
            "embeds": [
                optout_embed(
                    WEB_STEPS, field("Where you are: EU and EEA", "Covered since 3 Nov 2025.")
                )
            ],
            "components": [
                platform_row("desktop", "eu"),
                region_row("desktop", "eu"),
                feedback_row("turn-off", "desktop:eu", removable=False),
            ],
            "allowed_mentions": NO_PINGS,
        },
    }


async def test_optout_uses_the_server_default_region(fake_discord, world, make_bot, run_bot, store):
    await store.update_settings(int(world.guild["id"]), default_region="uk")
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout", {}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter)
    data = body["data"]
    assert data["embeds"][0]["fields"][0] == field(
        "Where you are: United Kingdom", "Covered since 3 Nov 2025."
    )
    assert data["components"][1] == region_row("-", "uk")
    assert data["components"][0] == platform_row(None, "uk")


async def test_ask_and_its_autocomplete(fake_discord, world, make_bot, run_bot, store):
    async with run_bot(make_bot()):
        auto = await fake_discord.send_autocomplete(
            "ask",
            {"question": "my messages"},
            "question",
            user=world.user,
            channel_id=world.channel["id"],
        )
        suggestions = await fake_discord.wait_for_interaction_response(auto)
        inter = await fake_discord.send_slash_command(
            "ask",
            {"question": "do they train on my messages"},
            user=world.user,
            channel_id=world.channel["id"],
        )
        body = await fake_discord.wait_for_interaction_response(inter)
        unsure = await fake_discord.send_slash_command(
            "ask",
            {"question": "recipe for banana bread"},
            user=world.user,
            channel_id=world.channel["id"],
        )
        declined = await fake_discord.wait_for_interaction_response(unsure)
        gaps = await recorded_gaps(store, int(world.guild["id"]), 1)
    assert suggestions["type"] == 8
    choices = suggestions["data"]["choices"]
    assert choices[0] == {"name": "Ask: my messages", "value": "my messages"}
    assert choices[1] == {
        "name": "Are private messages used?",
        "value": "Are private messages used?",
    }
    assert len(choices) <= 25
    assert body == {
        "type": 4,
        "data": {
            "tts": False,
            "content": None,
            "embeds": [PRIVATE_EMBED],
            "components": [feedback_row("private-messages")],
            "allowed_mentions": NO_PINGS,
        },
    }
    decline = declined["data"]["embeds"][0]
    assert decline["title"] == "I don't know that one"
    assert decline["description"] == "I only know about LinkedIn's generative-AI training setting."
    assert decline["fields"][0]["name"] == "Topics I can help with"
    assert all(
        b["custom_id"].startswith("ob:c:") for b in declined["data"]["components"][0]["components"]
    )
    assert [(g.text, g.outcome) for g in gaps] == [("recipe for banana bread", Outcome.DECLINE)]


async def test_topics_and_sources(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        topics = await fake_discord.send_slash_command(
            "topics", {}, user=world.user, channel_id=world.channel["id"]
        )
        topics_body = await fake_discord.wait_for_interaction_response(topics)
        sources = await fake_discord.send_slash_command(
            "sources", {"private": True}, user=world.user, channel_id=world.channel["id"]
        )
        sources_body = await fake_discord.wait_for_interaction_response(sources)
        message = fake_discord.original_response(topics)
        pick = await fake_discord.send_component(
            message, "ob:t", user=world.user, component_type=3, values=["regions"]
        )
        picked = await fake_discord.wait_for_interaction_response(pick)
    assert topics_body["data"]["embeds"][0]["description"] == (
        "Ask with /ask, mention me, or pick one below.\n\n"
        "1. Turn off AI training on your data\n"
        "2. Are private messages used?\n"
        "3. Does it apply where I live?"
    )
    menu = topics_body["data"]["components"][0]["components"][0]
    assert menu["custom_id"] == "ob:t" and len(menu["options"]) == 3
    assert sources_body["data"]["flags"] == EPHEMERAL
    assert sources_body["data"]["embeds"][0]["description"] == (
        f"Every answer lists its own sources and check date.\n\n{HELP}\n{NEWS}"
    )
    assert picked["type"] == 4 and picked["data"]["flags"] == EPHEMERAL
    assert picked["data"]["embeds"][0]["title"] == "Does it apply where I live?"


# ---------------------------------------------------------------- free text


async def test_mention_gets_a_reply_that_pings_nobody(fake_discord, world, make_bot, run_bot):
    bot_id = fake_discord.bot_user["id"]
    async with run_bot(make_bot(message_content=False)):
        asked = await fake_discord.send_message_create(
            world.channel["id"], f"<@{bot_id}> are my dms used?", author=world.user
        )
        request = await fake_discord.wait_for_message(world.channel["id"])
    assert reply_body(request.json) == {
        "embeds": [PRIVATE_EMBED],
        "content": None,
        "components": [feedback_row("private-messages")],
        "message_reference": reference(asked, world.guild["id"]),
        "tts": False,
        "allowed_mentions": NO_PINGS,
    }
    assert fake_discord.identify_payloads[0]["intents"] & (1 << 15) == 0  # no privileged intent


async def test_own_echoed_messages_are_not_parsed_and_http_is_pooled(
    fake_discord, world, make_bot, run_bot
):
    """Discord echoes the bot's replies back over the gateway: the bot skips them (no
    Message built, no on_message), while everyone else's messages are handled as usual."""
    bot_id = fake_discord.bot_user["id"]
    bot = make_bot()
    seen: list[str] = []

    async def on_message(message) -> None:
        seen.append(str(message.author.id))

    bot.add_listener(on_message)
    async with run_bot(bot):
        assert bot.http.connector.limit == HTTP_CONNECTIONS  # discord.py's default: no limit
        asked = await fake_discord.send_message_create(
            world.channel["id"], f"<@{bot_id}> how do i opt out", author=world.user
        )
        reply = await fake_discord.wait_for_message(world.channel["id"])
        echo = fake_discord.messages[reply.response["id"]]
        await fake_discord.wait_for(
            lambda: any(p.get("d", {}).get("id") == echo["id"] for p in fake_discord.gateway_sent)
        )
        await nothing_within(
            0.3,
            lambda: seen[1:] or any(str(m.id) == echo["id"] for m in bot.cached_messages),
        )
        cached = {str(m.id) for m in bot.cached_messages}
    assert seen == [world.user["id"]]
    assert cached == {asked["id"]}


async def test_dm_is_answered(fake_discord, world, make_bot, run_bot):
    dm = fake_discord.dm_channel(world.user)
    async with run_bot(make_bot(message_content=False)):
        asked = await fake_discord.send_message_create(
            dm["id"], "how do I opt out on the web", author=world.user
        )
        request = await fake_discord.wait_for_message(dm["id"])
    assert reply_body(request.json) == {
        "embeds": [optout_embed(WEB_STEPS, field("Regions", OVERVIEW))],
        "content": None,
        "components": [
            platform_row("desktop"),
            region_row("desktop"),
            feedback_row("turn-off", "desktop:-"),
        ],
        "message_reference": reference(asked, None),
        "tts": False,
        "allowed_mentions": NO_PINGS,
    }


async def test_chosen_channel_answers_only_when_sure(fake_discord, world, make_bot, run_bot, store):
    guild_id, channel_id = int(world.guild["id"]), world.channel["id"]
    await store.add_answer_channel(guild_id, int(channel_id))
    async with run_bot(make_bot()):
        await fake_discord.send_message_create(
            channel_id, "recipe for banana bread", author=world.user
        )
        await fake_discord.send_message_create(
            world.other_channel["id"], "how do i turn off ai training", author=world.user
        )
        other_bot = fake_discord.make_user("otherbot", bot=True)
        fake_discord.add_member(world.guild["id"], other_bot)
        await fake_discord.send_message_create(channel_id, "how do i opt out", author=other_bot)
        await nothing_within(0.3, fake_discord.sent_messages)
        assert fake_discord.sent_messages() == []
        asked = await fake_discord.send_message_create(
            channel_id, "how do i turn off ai training", author=world.user
        )
        request = await fake_discord.wait_for_message(channel_id)
        await nothing_within(0.1, lambda: len(fake_discord.sent_messages()) > 1)
    assert reply_body(request.json)["message_reference"] == reference(asked, world.guild["id"])
    assert reply_body(request.json)["embeds"][0]["title"] == "Turn off AI training on your data"
    assert len(fake_discord.sent_messages()) == 1


async def test_repeat_answer_points_back(fake_discord, world, make_bot, run_bot):
    bot_id = fake_discord.bot_user["id"]
    channel_id = world.channel["id"]
    async with run_bot(make_bot()):
        await fake_discord.send_message_create(
            channel_id, f"<@{bot_id}> are my dms used?", author=world.user
        )
        first = await fake_discord.wait_for_message(channel_id)
        mark = fake_discord.mark()
        asked = await fake_discord.send_message_create(
            channel_id, f"<@{bot_id}> are my private messages used", author=world.user
        )
        second = await fake_discord.wait_for_message(channel_id, since=mark)
    earlier = first.response["id"]
    assert reply_body(second.json) == {
        "content": "I answered this here a few minutes ago: "
        f"https://discord.com/channels/{world.guild['id']}/{channel_id}/{earlier}",
        "components": [],
        "message_reference": reference(asked, world.guild["id"]),
        "tts": False,
        "allowed_mentions": NO_PINGS,
    }


async def test_cooldown_never_drops_an_addressed_question(fake_discord, world, make_bot, run_bot):
    """Issue 12 (was: the second question was dropped): another channel is another
    conversation, and a quick second question in the same channel gets ⏳, then its answer."""
    bot_id = fake_discord.bot_user["id"]
    channel = world.channel["id"]
    async with run_bot(make_bot(user_cooldown_seconds=0.5)):
        await fake_discord.send_message_create(
            channel, f"<@{bot_id}> are my dms used?", author=world.user
        )
        await fake_discord.wait_for_message(channel)
        await fake_discord.send_message_create(
            world.other_channel["id"], f"<@{bot_id}> how do i opt out", author=world.user
        )
        await fake_discord.wait_for_message(world.other_channel["id"])
        mark = fake_discord.mark()
        quick = await fake_discord.send_message_create(
            channel, f"<@{bot_id}> how do i opt out on the web", author=world.user
        )
        later = await fake_discord.wait_for_message(channel, since=mark)
    (reaction,) = fake_discord.requests_matching("PUT", r".*/reactions/.*")
    (removed,) = fake_discord.requests_matching("DELETE", r".*/reactions/.*")
    assert quick["id"] in reaction.path and removed.path == reaction.path
    assert reply_body(later.json)["message_reference"] == reference(quick, world.guild["id"])
    assert reply_body(later.json)["embeds"][0]["title"] == "Turn off AI training on your data"
    assert len(fake_discord.sent_messages()) == 3


# ---------------------------------------------------------------- permissions


async def test_without_embed_links_it_answers_in_text_and_tells_moderators(
    fake_discord, world, make_bot, run_bot, store
):
    guild_id = world.guild["id"]
    deny = {"id": bot_role_id(fake_discord, guild_id), "type": 0, "allow": "0"}
    plain = fake_discord.add_text_channel(
        guild_id, "plain", overwrites=[deny | {"deny": str(Perm.EMBED_LINKS)}]
    )
    await store.update_settings(int(guild_id), log_channel_id=int(world.other_channel["id"]))
    bot_id = fake_discord.bot_user["id"]
    async with run_bot(make_bot()):
        asked = await fake_discord.send_message_create(
            plain["id"], f"<@{bot_id}> are my dms used?", author=world.user
        )
        answer = await fake_discord.wait_for_message(plain["id"])
        note = await fake_discord.wait_for_message(world.other_channel["id"])
    body = reply_body(answer.json)
    assert body == {
        "content": "**Are private messages used?**\n\nLinkedIn says private messages are not "
        f"used.\n\n**Sources**\n{HELP}\n{NEWS}\n\n_Last checked 2026-11-01_",
        "components": [feedback_row("private-messages")],
        "message_reference": reference(asked, guild_id),
        "tts": False,
        "allowed_mentions": NO_PINGS,
    }
    assert reply_body(note.json)["content"] == (
        f"Note for moderators: I don't have **Embed Links** in <#{plain['id']}>, so my answers "
        "there are plain text without the formatted card. Grant it to my role in that channel "
        "(or remove the channel from my answer channels)."
    )


async def test_without_send_messages_it_stays_silent_and_notes_once(
    fake_discord, world, make_bot, run_bot, store
):
    guild_id = world.guild["id"]
    deny = {"id": bot_role_id(fake_discord, guild_id), "type": 0, "allow": "0"}
    mute = fake_discord.add_text_channel(
        guild_id, "mute", overwrites=[deny | {"deny": str(Perm.SEND_MESSAGES)}]
    )
    await store.update_settings(int(guild_id), log_channel_id=int(world.other_channel["id"]))
    bot_id = fake_discord.bot_user["id"]
    async with run_bot(make_bot()):
        for _ in range(3):
            await fake_discord.send_message_create(
                mute["id"], f"<@{bot_id}> how do i opt out", author=world.user
            )
        await fake_discord.wait_for_message(world.other_channel["id"])
        await nothing_within(
            0.3,
            lambda: (
                fake_discord.requests_matching("POST", rf"/channels/{mute['id']}/messages")
                or len(fake_discord.sent_messages(world.other_channel["id"])) > 1
            ),
        )
    assert not fake_discord.requests_matching("POST", rf"/channels/{mute['id']}/messages")
    (note,) = fake_discord.sent_messages(world.other_channel["id"])
    assert "**Send Messages**" in note["content"]


# ---------------------------------------------------------------- follow-up controls


async def test_buttons_and_selects_redraw_the_answer(fake_discord, world, make_bot, run_bot, store):
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout", {"platform": "mobile"}, user=world.user, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for_interaction_response(inter)
        message = fake_discord.original_response(inter)
        bob = fake_discord.make_user("bob")
        fake_discord.add_member(world.guild["id"], bob)

        # Issue 12: bob's click shows him iOS privately; alice's answer stays as it was.
        click = await fake_discord.send_component(message, "ob:p:turn-off:ios:-", user=bob)
        private = await fake_discord.wait_for_interaction_response(click)
        unchanged = fake_discord.messages[message["id"]]["embeds"][0]["description"]
        click = await fake_discord.send_component(message, "ob:p:turn-off:ios:-", user=world.user)
        switched = await fake_discord.wait_for_interaction_response(click)
        pick = await fake_discord.send_component(
            message, "ob:r:turn-off:ios", user=world.user, component_type=3, values=["ch"]
        )
        picked = await fake_discord.wait_for_interaction_response(pick)

        votes = []
        for user in (world.user, world.user, bob):
            vote = await fake_discord.send_component(message, "ob:f:turn-off:y", user=user)
            votes.append(await fake_discord.wait_for_interaction_response(vote))
        stats = await store.feedback_stats(int(world.guild["id"]))
    assert private["type"] == 4 and private["data"]["flags"] == EPHEMERAL
    assert private["data"]["embeds"] == [optout_embed(IOS_STEPS, field("Regions", OVERVIEW))]
    assert private["data"]["components"][2] == feedback_row("turn-off", "ios:-", removable=False)
    assert "**In the app**" in unchanged
    assert switched == {
        "type": 7,
        "data": {
            "tts": False,
            "content": None,
            "embeds": [optout_embed(IOS_STEPS, field("Regions", OVERVIEW))],
            "components": [
                platform_row("ios"),
                region_row("ios"),
                feedback_row("turn-off", "ios:-"),
            ],
            "allowed_mentions": NO_PINGS,
        },
    }
    assert picked["type"] == 7
    assert picked["data"]["embeds"] == [
        optout_embed(IOS_STEPS, field("Where you are: Switzerland", "Covered since 3 Nov 2025."))
    ]
    assert picked["data"]["components"][:2] == [platform_row("ios", "ch"), region_row("ios", "ch")]
    assert fake_discord.messages[message["id"]]["embeds"][0]["fields"][0]["name"] == (
        "Where you are: Switzerland"
    )
    assert [v["data"] for v in votes] == [
        {
            "tts": False,
            "content": FEEDBACK_REPLIES[(FeedbackResult.NEW, True)],
            "flags": EPHEMERAL,
            "allowed_mentions": NO_PINGS,
        },
        {
            "tts": False,
            "content": FEEDBACK_REPLIES[(FeedbackResult.SAME, True)],
            "flags": EPHEMERAL,
            "allowed_mentions": NO_PINGS,
        },
        {
            "tts": False,
            "content": FEEDBACK_REPLIES[(FeedbackResult.NEW, True)],
            "flags": EPHEMERAL,
            "allowed_mentions": NO_PINGS,
        },
    ]
    assert stats.per_entry["turn-off"].helpful == 2


async def test_which_did_you_mean_on_a_message_from_before_a_restart(
    fake_discord, world, make_bot, run_bot
):
    # A "which did you mean?" the bot posted before it restarted: it only exists on Discord.
    asked = fake_discord.base_message(world.channel, world.user, "opt out or dms?")
    fake_discord.messages[asked["id"]] = asked
    old = fake_discord.base_message(
        world.channel,
        fake_discord.bot_user,
        "",
        message_reference={"message_id": asked["id"]},
        embeds=[{"title": "Which did you mean?", "type": "rich"}],
        components=[
            row(
                button("Turn off AI training on your data", "ob:c:turn-off:android:hk", style=1),
                button("Are private messages used?", "ob:c:private-messages:android:hk", style=1),
            )
        ],
    )
    fake_discord.messages[old["id"]] = old
    async with run_bot(make_bot()):
        click = await fake_discord.send_component(old, "ob:c:turn-off:android:hk", user=world.user)
        body = await fake_discord.wait_for_interaction_response(click)
    android = APP_STEPS.replace("In the app", "Android app")
    assert body == {
        "type": 7,
        "data": {
            "tts": False,
            "content": None,
            "embeds": [
                optout_embed(
                    android, field("Where you are: Hong Kong", "Covered since 3 Nov 2025.")
                )
            ],
            "components": [
                platform_row("android", "hk"),
                region_row("android", "hk"),
                feedback_row("turn-off", "android:hk"),
            ],
            "allowed_mentions": NO_PINGS,
        },
    }


async def test_controls_keep_working_after_the_bot_restarts(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "optout", {}, user=world.user, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for_interaction_response(inter)
    message = fake_discord.original_response(inter)
    async with run_bot(make_bot()):  # a new process: nothing in memory about that message
        click = await fake_discord.send_component(
            message, "ob:p:turn-off:android:-", user=world.user
        )
        body = await fake_discord.wait_for_interaction_response(click)
    assert body["type"] == 7
    assert body["data"]["components"][0] == platform_row("android")


async def test_a_failure_becomes_one_short_private_message(
    fake_discord, world, make_bot, run_bot, engine, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(engine, "answer", broken)
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "ask", {"question": "anything"}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter)
        await nothing_within(0.1, lambda: len(fake_discord.interaction_responses(inter.id)) > 1)
    assert fake_discord.interaction_responses(inter.id) == [
        {
            "type": 4,
            "data": {
                "tts": False,
                "content": "Sorry, something went wrong on my side. Please try again in a moment.",
                "flags": EPHEMERAL,
                "allowed_mentions": NO_PINGS,
            },
        }
    ]
    assert body["type"] == 4
    errors = [r for r in caplog.records if r.name == "bot.errors"]
    assert len(errors) == 1 and "/ask failed" in errors[0].getMessage()


async def test_sigterm_shuts_down_gracefully_and_closes_the_store(fake_discord, make_bot, store):
    import os
    import signal

    from bot.app import _run

    bot = make_bot()
    task = asyncio.create_task(_run(bot, fake_discord.token))
    await fake_discord.wait_for(bot.is_ready)
    assert store._open
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 5.0)
    assert bot.is_closed() and not store._open


async def test_close_lets_running_handlers_send_their_replies(
    fake_discord, world, make_bot, run_bot, store, monkeypatch, caplog
):
    """SIGTERM mid-answer: the command and the question being answered still get their
    replies before the connections close (bounded by SHUTDOWN_GRACE), with no traceback."""
    reading = asyncio.Event()
    get_settings = store.get_settings

    async def slow_settings(guild_id):
        reading.set()
        await asyncio.sleep(0.5)  # e.g. a slow database
        return await get_settings(guild_id)

    monkeypatch.setattr(store, "get_settings", slow_settings)
    bot_id = fake_discord.bot_user["id"]
    async with run_bot(make_bot()) as bot:
        inter = await fake_discord.send_slash_command(
            "optout", {}, user=world.user, channel_id=world.channel["id"]
        )
        asked = await fake_discord.send_message_create(
            world.channel["id"], f"<@{bot_id}> how do i opt out", author=world.user
        )
        await asyncio.wait_for(reading.wait(), 5.0)
        started = asyncio.get_running_loop().time()
        await bot.close()
        took = asyncio.get_running_loop().time() - started
    assert took < SHUTDOWN_GRACE + 1.0
    assert fake_discord.interaction_responses(inter.id)[0]["type"] == 4
    (reply,) = fake_discord.sent_messages(world.channel["id"])
    assert reply["message_reference"]["message_id"] == int(asked["id"])
    assert not [r for r in caplog.records if r.exc_info]


async def test_sync_and_invite_commands_against_the_fake(fake_discord, world, make_bot, capsys):
    from bot.app import _application_id, _sync

    bot = make_bot()
    bot.sync_on_start = False
    assert await _sync(bot, fake_discord.token) == 0
    (put,) = fake_discord.requests_matching("PUT", r"/applications/\d+/guilds/\d+/commands")
    names = [c["name"] for c in put.json]
    assert [n for n in names if n in MEMBER_COMMANDS] == MEMBER_COMMANDS
    out = capsys.readouterr().out
    assert out == (
        f"Synced {len(names)} commands to server {world.guild['id']} (available now): "
        + ", ".join(f"/{n}" for n in names)
        + "\n"
    )
    assert await _application_id(fake_discord.token) == int(fake_discord.application_id)
