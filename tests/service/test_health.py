"""GET /healthz and /metrics against the real client on the local fake Discord (issue 15):
503 until connected, 200 with shards, latency, knowledge version and the store while
connected; counters and histograms move when questions are answered; no user data in any
label."""

from __future__ import annotations

import logging
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_bot
from bot.config import Settings
from bot.health import HealthServer
from bot.metrics import error_kind, interaction_label
from bot.store import InMemoryStore
from tests.e2e.fake_discord import skip_identify_delay
from tests.service.support import free_port, get


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


@pytest.fixture
def health_bot(world, fixture_engine):
    port = free_port()
    settings = Settings(
        dev_guild_id=int(world.guild["id"]),
        message_content=True,
        user_cooldown_seconds=0.0,
        channel_cooldown_seconds=0.0,
        health_port=port,
    )
    store = InMemoryStore()
    bot = create_bot(settings, engine=fixture_engine, store=store, guild_ready_timeout=0.05)
    return skip_identify_delay(bot), f"http://127.0.0.1:{port}"


async def test_health_and_metrics_follow_the_bot(fake_discord, world, run_bot, health_bot):
    bot, url = health_bot
    async with HealthServer(bot, "127.0.0.1", bot.settings.health_port):
        status, body = await get(url + "/healthz")
        assert status == 503 and body["status"] == "unavailable"  # not connected yet
        async with run_bot(bot):
            status, body = await get(url + "/healthz")
            assert status == 200, body
            assert body["status"] == "ok" and body["shards"] == {"connected": 1, "total": 1}
            assert body["knowledge_version"] == bot.engine.kb.version
            assert body["store_reachable"] is True
            assert body["gateway_latency_ms"] is None or body["gateway_latency_ms"] >= 0

            before = samples((await get(url + "/metrics"))[1])
            mark = fake_discord.mark()
            await fake_discord.send_message_create(
                world.channel["id"],
                f"<@{fake_discord.bot_user['id']}> how do I opt out on my iphone",
                author=world.user,
            )
            await fake_discord.wait_for_request(
                lambda r: r.matches("POST", r"/channels/\d+/messages"), since=mark
            )
            inter = await fake_discord.send_slash_command(
                "optout", {"platform": "mobile"}, user=world.user, channel_id=world.channel["id"]
            )
            await fake_discord.wait_for_interaction_response(inter)
            await fake_discord.wait_for(
                lambda: bot.metrics.answers.labels("answer", "turn-off")._value.get() >= 2
            )
            status, text = await get(url + "/metrics")
        status_after, _ = await get(url + "/healthz")
    assert status_after == 503  # closed
    after = samples(text)
    key = ("optout_answers_total", (("entry", "turn-off"), ("outcome", "answer")))
    assert before.get(key, 0) == 0 and after[key] == 2
    assert after[("optout_interactions_total", (("command", "/optout"),))] == 1
    assert after[("optout_answer_seconds_count", ())] == 2
    assert after[("optout_ack_seconds_count", ())] == 1
    assert after[("optout_store_up", ())] == 1
    assert after[("optout_knowledge_version_age_seconds", ())] >= 0
    assert ("optout_errors_total", (("kind", "storage"),)) in after
    labels = " ".join(str(k[1]) for k in after)
    for private in (world.user["id"], world.user["username"], world.channel["id"], "iphone"):
        assert private not in labels


async def test_healthz_says_when_the_store_is_unreachable(fake_discord, run_bot, health_bot):
    bot, url = health_bot
    async with HealthServer(bot, "127.0.0.1", bot.settings.health_port), run_bot(bot):
        await bot.store.close()  # the in-memory store refuses work once closed
        status, body = await get(url + "/healthz")
        _, text = await get(url + "/metrics")
    assert status == 200 and body["store_reachable"] is False
    assert samples(text)[("optout_store_up", ())] == 0


def test_interaction_labels_carry_no_user_input() -> None:
    assert interaction_label({"type": 2, "data": {"name": "optout"}}) == "/optout"
    assert interaction_label({"type": 2, "data": {"name": "<@1> hi there"}}) == "other"
    assert interaction_label({"type": 3, "data": {"custom_id": "ob:p:x"}}) == "component"
    assert interaction_label({"type": 99}) == "other"


@pytest.mark.parametrize(
    ("logger", "level", "kind"),
    [
        ("bot.errors", logging.ERROR, "interaction"),
        ("bot.app", logging.ERROR, "event"),
        ("bot.records", logging.WARNING, "storage"),
        ("bot.services.reloader", logging.ERROR, "knowledge"),
        ("discord.client", logging.ERROR, "discord"),
        ("bot.app", logging.INFO, None),
    ],
)
def test_error_kinds(logger, level, kind) -> None:
    assert error_kind(logging.LogRecord(logger, level, "", 0, "m", (), None)) == kind


def test_no_health_port_means_no_metrics(fixture_engine) -> None:
    bot = create_bot(Settings(), engine=fixture_engine, store=InMemoryStore())
    assert bot.metrics is None
    with pytest.raises(ValueError, match="HEALTH_PORT"):
        HealthServer(bot, "127.0.0.1", 1)


def test_metric_names_are_the_promised_ones(fixture_engine) -> None:
    bot = create_bot(Settings(health_port=1), engine=fixture_engine, store=InMemoryStore())
    from prometheus_client import generate_latest

    names = set(re.findall(r"^# TYPE (\S+)", generate_latest(bot.metrics.registry).decode(), re.M))
    assert names >= {
        "optout_answers_total",
        "optout_interactions_total",
        "optout_errors_total",
        "optout_answer_seconds",
        "optout_ack_seconds",
        "optout_knowledge_version_age_seconds",
        "optout_store_up",
    }


async def test_a_busy_health_port_is_a_settings_problem(fixture_engine) -> None:
    import socket

    from bot.app import _run
    from bot.config import SettingsError

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        bot = create_bot(Settings(health_port=port), engine=fixture_engine, store=InMemoryStore())
        with pytest.raises(SettingsError, match=f"HEALTH_PORT={port}: cannot listen"):
            await _run(bot, "token-never-used")
