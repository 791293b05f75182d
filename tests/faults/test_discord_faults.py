"""Discord misbehaving: 429 with Retry-After, 5xx, slow responses, a dropped gateway, an
expired interaction. The bot backs off, resumes and keeps serving."""

from __future__ import annotations

import logging

import pytest

from tests.faults.support import OPTOUT_TITLE, ack_seconds, ask, make_bot, slash, title
from tests.testkit import nothing_within

MESSAGES = r"/channels/\d+/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"


def replies_to(request, message) -> bool:
    """A successful channel message POST that replies to ``message``."""
    if not request.matches("POST", MESSAGES) or request.status != 200:
        return False
    reference = (request.json or {}).get("message_reference") or {}
    return str(reference.get("message_id")) == message["id"]


async def test_429_on_send_waits_retry_after_and_answers_once(fake_discord, world, run_bot, store):
    async with run_bot(make_bot(world, store)):
        fake_discord.inject_fault("POST", MESSAGES, 429, times=2, retry_after=0.3)
        _asked, reply = await ask(fake_discord, world, "how do i opt out", timeout=10.0)
        await nothing_within(0.2, lambda: len(fake_discord.requests_matching("POST", MESSAGES)) > 3)
    posts = fake_discord.requests_matching("POST", MESSAGES)
    assert [p.status for p in posts] == [429, 429, 200]
    assert posts[1].time - posts[0].time >= 0.25 and posts[2].time - posts[1].time >= 0.25
    assert title(reply.json) == OPTOUT_TITLE


async def test_global_429_on_interaction_callback_is_retried_in_time(
    fake_discord, world, run_bot, store
):
    async with run_bot(make_bot(world, store)):
        fake_discord.inject_fault("POST", CALLBACK, 429, times=1, retry_after=0.2, is_global=True)
        inter, body = await slash(fake_discord, world, "optout", {"platform": "ios"})
    assert title(body["data"]) == OPTOUT_TITLE
    assert ack_seconds(fake_discord, inter) < 3.0
    assert len(fake_discord.interaction_responses(inter.id)) == 1


async def test_500_is_retried_and_503_is_given_up_without_stopping(
    fake_discord, world, run_bot, store, caplog
):
    async with run_bot(make_bot(world, store)):
        fake_discord.inject_fault("POST", MESSAGES, 500, times=1)
        _, first = await ask(fake_discord, world, "how do i opt out", timeout=10.0)
        fake_discord.inject_fault("POST", MESSAGES, 503, times=1)
        mark = fake_discord.mark()
        await fake_discord.send_message_create(
            world.channel["id"],
            f"<@{fake_discord.bot_user['id']}> are my dms used",
            author=world.user,
        )
        await fake_discord.wait_for_request(lambda r: r.status == 503, since=mark)
        _, third = await ask(fake_discord, world, "does it apply to me")
    statuses = [p.status for p in fake_discord.requests_matching("POST", MESSAGES)]
    assert statuses == [500, 200, 503, 200]  # 503 is not retried by discord.py: dropped
    assert title(first.json) == OPTOUT_TITLE and title(third.json)
    assert any("send failed" in r.getMessage() for r in caplog.records)


async def test_slow_discord_still_answers_and_acks_in_time(fake_discord, world, run_bot, store):
    async with run_bot(make_bot(world, store)):
        fake_discord.add_latency(1.0, "POST", MESSAGES)
        fake_discord.add_latency(0.8, "POST", CALLBACK)
        _, reply = await ask(fake_discord, world, "how do i opt out", timeout=10.0)
        inter, body = await slash(fake_discord, world, "optout", {})
        fake_discord.clear_faults()
        _, fast = await ask(fake_discord, world, "are my dms used")
    assert title(reply.json) == OPTOUT_TITLE and title(body["data"]) == OPTOUT_TITLE
    assert ack_seconds(fake_discord, inter) < 3.0  # the request left the bot in time
    assert title(fast.json) == "Are private messages used?"


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "tcp-reset"])
async def test_dropped_gateway_resumes_and_replays_missed_messages(
    fake_discord, world, run_bot, store, abrupt
):
    bot_id = fake_discord.bot_user["id"]
    async with run_bot(make_bot(world, store)):
        await ask(fake_discord, world, "how do i opt out")
        await fake_discord.drop_gateway(4000, abrupt=abrupt)
        # Sent while the bot is disconnected: kept in the session backlog, replayed on RESUME.
        missed = await fake_discord.send_message_create(
            world.channel["id"], f"<@{bot_id}> are my dms used", author=world.user
        )
        await fake_discord.wait_for(lambda: fake_discord.resume_payloads, timeout=15.0)
        await fake_discord.wait_until_connected(timeout=15.0)
        reply = await fake_discord.wait_for_request(lambda r: replies_to(r, missed), timeout=10.0)
        _, after = await ask(fake_discord, world, "does it apply to me")
        _inter, body = await slash(fake_discord, world, "optout", {})
        await nothing_within(
            0.2,
            lambda: (
                len(fake_discord.identify_payloads) > 1
                or sum(replies_to(r, missed) for r in fake_discord.requests) > 1
            ),
        )
    assert len(fake_discord.identify_payloads) == 1  # resumed, not a new session
    assert title(reply.json) == "Are private messages used?"
    assert title(after.json) and title(body["data"]) == OPTOUT_TITLE
    replies_to_missed = [r for r in fake_discord.requests if replies_to(r, missed)]
    assert len(replies_to_missed) == 1  # replayed once, answered once


async def test_invalid_session_reidentifies_and_keeps_serving(fake_discord, world, run_bot, store):
    async with run_bot(make_bot(world, store)):
        await fake_discord.invalidate_session(resumable=False)
        await fake_discord.wait_for(lambda: len(fake_discord.identify_payloads) == 2, timeout=15.0)
        await fake_discord.wait_until_connected(timeout=15.0)
        _, reply = await ask(fake_discord, world, "how do i opt out", timeout=10.0)
    assert title(reply.json) == OPTOUT_TITLE


async def test_expired_interaction_is_logged_and_the_next_one_works(
    fake_discord, world, run_bot, store, caplog
):
    caplog.set_level(logging.INFO)
    async with run_bot(make_bot(world, store)):
        fake_discord.interaction_ack_timeout = 0.0  # every callback arrives "too late"
        expired = await fake_discord.send_slash_command(
            "optout", {}, user=world.user, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for(
            lambda: any(r.status == 404 for r in fake_discord.requests_matching("POST", CALLBACK)),
            timeout=5.0,
        )
        await nothing_within(  # the error notice may follow; a retry loop must not
            0.3,
            lambda: (
                sum(r.status == 404 for r in fake_discord.requests_matching("POST", CALLBACK)) > 2
            ),
        )
        fake_discord.interaction_ack_timeout = 3.0
        _inter, body = await slash(fake_discord, world, "optout", {"platform": "desktop"})
        _, reply = await ask(fake_discord, world, "are my dms used")
    assert fake_discord.interaction_responses(expired.id) == []
    assert title(body["data"]) == OPTOUT_TITLE and title(reply.json)
    failed = [r for r in fake_discord.requests_matching("POST", CALLBACK) if r.status == 404]
    assert 1 <= len(failed) <= 2  # the answer, then at most one error notice: no retry loop
    assert any(r.name == "bot.errors" for r in caplog.records)
