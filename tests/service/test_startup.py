"""Start-up as `optout-bot run` does it, in its own process against the local fake Discord:
unreachable Discord is retried with one line and no traceback, a rejected token exits 2,
SYNC_COMMANDS=false skips the sync, LOG_FORMAT=json, and DEBUG logs keep user data out
unless LOG_TRACE=true (issue 14.7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.fake_discord import BOT_TOKEN, FakeDiscord
from tests.faults.bot_process import terminate
from tests.service.cli_process import spawn_cli
from tests.service.support import Output, free_port, get, wait_healthy

COMMANDS = r"/applications/\d+/(guilds/\d+/)?commands"


@pytest.fixture
async def fake():
    fake = FakeDiscord()
    yield fake
    await fake.stop()


async def test_unreachable_discord_is_retried_then_joined_without_a_traceback(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    port, health = free_port(), free_port()
    world = fake.seed_default_world()
    proc = await spawn_cli(
        f"http://127.0.0.1:{port}",  # nothing listens there yet
        {
            "DISCORD_TOKEN": BOT_TOKEN,
            "DEV_GUILD_ID": world.guild["id"],
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "LOG_FORMAT": "json",
            "HEALTH_PORT": str(health),
        },
        cwd=tmp_path,
    )
    out = Output(proc)
    try:
        await out.wait_for(lambda line: "retrying in 2 s" in line)
        status, body = await get(f"http://127.0.0.1:{health}/healthz")
        assert status == 503 and body["status"] == "unavailable"
        await fake.start(port=port)  # Discord is back
        body = await wait_healthy(f"http://127.0.0.1:{health}/healthz", proc)
        assert body["shards"] == {"connected": 1, "total": 1}
        assert fake.requests_matching("PUT", COMMANDS)  # synced on start (the default)
    finally:
        code = await terminate(proc)
    text = await out.finished()
    assert code == 0, text[-3000:]
    records = [json.loads(line) for line in out.lines]  # LOG_FORMAT=json: every line
    retries = [r["message"] for r in records if r["message"].startswith("cannot reach Discord")]
    assert retries[0].endswith("; retrying in 1 s") and retries[1].endswith("; retrying in 2 s")
    assert "127.0.0.1" in retries[0]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert "Traceback" not in text


async def test_a_rejected_token_is_one_line_and_exit_2(fake: FakeDiscord, tmp_path) -> None:
    await fake.start()
    proc = await spawn_cli(
        fake.http_url,
        {"DISCORD_TOKEN": "not-the-token", "DATABASE_PATH": str(tmp_path / "b.sqlite3")},
        cwd=tmp_path,
    )
    out = Output(proc)
    code = await proc.wait()
    text = await out.finished()
    assert code == 2
    assert [line for line in out.lines if "DISCORD_TOKEN" in line] == [
        line for line in out.lines if line.startswith("optout-bot: Discord rejected")
    ]
    assert len([line for line in out.lines if "DISCORD_TOKEN" in line]) == 1
    assert "Traceback" not in text and "not-the-token" not in text


async def start_and_ask(fake: FakeDiscord, tmp_path: Path, settings: dict, question: str):
    """Run the bot until it answered one mention; returns (exit code, its stderr)."""
    world = fake.seed_default_world()
    await fake.start()
    health = free_port()
    proc = await spawn_cli(
        fake.http_url,
        {
            "DISCORD_TOKEN": BOT_TOKEN,
            "DEV_GUILD_ID": world.guild["id"],
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "HEALTH_PORT": str(health),
            **settings,
        },
        cwd=tmp_path,
    )
    out = Output(proc)
    try:
        await wait_healthy(f"http://127.0.0.1:{health}/healthz", proc)
        mark = fake.mark()
        await fake.send_message_create(
            world.channel["id"], f"<@{fake.bot_user['id']}> {question}", author=world.user
        )
        await fake.wait_for_request(
            lambda r: r.matches("POST", r"/channels/\d+/messages"), timeout=10, since=mark
        )
    finally:
        code = await terminate(proc)
    return code, await out.finished(), world


async def test_sync_commands_false_skips_the_sync_on_start(fake: FakeDiscord, tmp_path) -> None:
    code, text, _ = await start_and_ask(
        fake, tmp_path, {"SYNC_COMMANDS": "false"}, "how do I opt out"
    )
    assert code == 0, text[-3000:]
    assert not fake.requests_matching("PUT", COMMANDS)
    assert "SYNC_COMMANDS=false" in text and "optout-bot sync" in text


@pytest.mark.parametrize("trace", [False, True], ids=["debug", "debug+trace"])
async def test_debug_logs_keep_what_members_type_out_unless_traced(
    fake: FakeDiscord, tmp_path, trace
) -> None:
    secret = "zebra-umbrella-7731 how do I opt out"
    settings = {"LOG_LEVEL": "DEBUG", "LOG_TRACE": str(trace).lower()}
    code, text, world = await start_and_ask(fake, tmp_path, settings, secret)
    assert code == 0, text[-3000:]
    assert " DEBUG " in text  # the bot's own DEBUG lines are there
    leaked = "zebra-umbrella-7731" in text or world.user["id"] in text
    assert leaked is trace  # with LOG_TRACE=true the payloads are logged (so this can fail)


@pytest.mark.parametrize("command", ["sync", "invite"])
async def test_sync_and_invite_say_discord_is_unreachable_in_one_line(command, tmp_path) -> None:
    settings = {"DISCORD_TOKEN": BOT_TOKEN, "DATABASE_PATH": str(tmp_path / "b.sqlite3")}
    proc = await spawn_cli(f"http://127.0.0.1:{free_port()}", settings, command, cwd=tmp_path)
    out = Output(proc)
    code = await proc.wait()
    text = await out.finished()
    assert code == 1 and "Traceback" not in text
    assert [line for line in out.lines if "cannot reach Discord" in line] == [out.lines[-1]]
