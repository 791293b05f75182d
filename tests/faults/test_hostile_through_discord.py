"""Hostile text through Discord: nothing the bot sends can ping anyone or break out of its
formatting, and every size a user controls is capped."""

from __future__ import annotations

import json

from tests.e2e.fake_discord import FakeDiscord
from tests.faults.support import NO_PINGS, make_bot

EMBED_LIMITS = {"title": 256, "description": 4096}


def hostile_texts(fake: FakeDiscord, world) -> list[str]:
    alice = world.user["id"]
    role = next(iter(fake.roles[world.guild["id"]]))
    return [
        "@everyone how do i opt out",
        "@here @everyone are my dms used",
        f"<@{alice}> <@!{alice}> <@&{role}> how do i opt out",
        "```\n@everyone\n``` how do i turn off ai training ```",
        "**bold** __under__ ~~strike~~ ||spoiler|| [click](https://evil.example) # heading opt out",
        "> quote\n- list\n1. how do i opt out on my phone",
        "how do i opt out " * 250,  # 4,250 characters
        "🤖" * 1000 + " opt out",
        "👨‍👩‍👧‍👦" * 300,
        "o\u0336p\u0336t\u0336 o\u0336u\u0336t\u0336" * 200,  # zalgo-ish combining marks
        "\u202ehow do i opt out\u202c\u200b\u200d",
        "\x00\x07 null bytes and bells opt out",
        "<t:0:R> <#1> <:emoji:1> </optout:1> @everyone",
    ]


def outgoing(fake: FakeDiscord) -> list[tuple[str, dict]]:
    """(path, message-like payload) of everything the bot sent that could carry text."""
    out = []
    for r in fake.requests:
        body = r.json if isinstance(r.json, dict) else None
        if body is None or r.method not in ("POST", "PATCH"):
            continue
        if r.path.endswith("/callback"):
            if body.get("type") in (4, 7):
                out.append((r.path, body.get("data") or {}))
        elif "/messages" in r.path or r.path.startswith("/webhooks/"):
            out.append((r.path, body))
    return out


def texts_of(payload: dict) -> str:
    return json.dumps(
        {k: payload.get(k) for k in ("content", "embeds", "components")}, ensure_ascii=False
    )


async def test_hostile_questions_never_ping_or_break_out(fake_discord, world, run_bot, store):
    guild_id, channel = int(world.guild["id"]), world.channel["id"]
    bot_id = fake_discord.bot_user["id"]
    await store.add_answer_channel(guild_id, int(channel))
    texts = hostile_texts(fake_discord, world)
    async with run_bot(make_bot(world, store)):
        for text in texts:
            await fake_discord.send_message_create(
                channel, f"<@{bot_id}> {text}", author=world.user
            )
            await fake_discord.send_message_create(channel, text, author=world.user)
            inter = await fake_discord.send_slash_command(
                "ask", {"question": text}, user=world.user, channel_id=channel
            )
            await fake_discord.wait_for_interaction_response(inter, 5.0)
            auto = await fake_discord.send_autocomplete(
                "ask", {"question": text}, "question", user=world.user, channel_id=channel
            )
            choices = await fake_discord.wait_for_interaction_response(auto, 5.0)
            assert len(choices["data"]["choices"]) <= 25
            for choice in choices["data"]["choices"]:
                assert 1 <= len(choice["name"]) <= 100 and 1 <= len(choice["value"]) <= 100
        await fake_discord.wait_for(
            lambda: (
                len(fake_discord.requests_matching("POST", r"/channels/\d+/messages")) >= len(texts)
            ),
            timeout=10.0,
        )
        # every mention replied to and every /ask answered, not just the first POSTs seen
        await fake_discord.wait_for(lambda: len(outgoing(fake_discord)) >= 2 * len(texts), 10.0)
    sent = outgoing(fake_discord)
    assert len(sent) >= 2 * len(texts)  # a reply to every mention, an answer to every /ask
    for path, payload in sent:
        assert payload.get("allowed_mentions") == NO_PINGS, (path, payload.get("allowed_mentions"))
        text = texts_of(payload)
        assert "@everyone" not in text and "@here" not in text
        assert f"<@{world.user['id']}>" not in text and f"<@!{world.user['id']}>" not in text
        assert "evil.example" not in text and "\u202e" not in text
        assert text.count("```") % 2 == 0
        assert len(payload.get("content") or "") <= 2000
        for embed in payload.get("embeds") or []:
            for key, limit in EMBED_LIMITS.items():
                assert len(embed.get(key) or "") <= limit
            size = sum(len(embed.get(k) or "") for k in EMBED_LIMITS)
            size += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
            size += len((embed.get("footer") or {}).get("text", ""))
            assert size <= 6000
    failed = [r for r in fake_discord.requests if r.status and r.status >= 400]
    assert failed == [], [(r.path, r.status, r.response) for r in failed]
    assert not fake_discord.unknown_requests()
