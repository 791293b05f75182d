"""create_bot() wiring and the run | sync | invite commands (no network)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot import app
from bot.app import EXTENSIONS, INVITE_PERMISSIONS, KnowledgeError, create_bot, run_command
from bot.config import Settings
from bot.discord_ui import traffic
from bot.store import InMemoryStore

from .conftest import GUILD_ID

FIXTURE_KB = Path(__file__).parent.parent / "fixtures" / "kb_min"


def test_create_bot_reads_settings_without_connecting(tmp_path):
    env = {"KNOWLEDGE_DIR": str(FIXTURE_KB), "DATABASE_PATH": ":memory:"}
    bot = create_bot(Settings.from_env(env, dotenv=None))
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert bot.intents.message_content is False
    assert bot.intents.guilds and bot.intents.guild_messages and bot.intents.dm_messages
    assert isinstance(bot.store, InMemoryStore)
    assert set(bot.engine.kb.entries) >= {"turn-off", "private-messages"}
    assert not bot.is_ready() and bot.ws is None
    assert bot.extension_names == EXTENSIONS


def test_message_content_setting_turns_on_the_intent(fixture_engine):
    bot = create_bot(Settings(message_content=True), engine=fixture_engine, store=InMemoryStore())
    assert bot.intents.message_content is True


def test_broken_knowledge_is_reported(tmp_path):
    (tmp_path / "base.yaml").write_text("entries: [}", encoding="utf-8")
    with pytest.raises(KnowledgeError):
        create_bot(Settings(knowledge_dir=tmp_path), store=InMemoryStore())


def test_invite_permissions_are_the_least_needed():
    assert INVITE_PERMISSIONS.value == 274877991936
    assert {name for name, on in INVITE_PERMISSIONS if on} == {
        "read_messages",  # discord.py's name for View Channel
        "send_messages",
        "send_messages_in_threads",
        "embed_links",
        "read_message_history",
    }


def test_invite_with_application_id_prints_the_url(capsys):
    assert run_command("invite", Settings(application_id=1234)) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "https://discord.com/oauth2/authorize?client_id=1234"
        "&scope=bot+applications.commands&permissions=274877991936\n"
    )
    assert "Embed Links: to show answers" in out
    user_install = (
        "https://discord.com/oauth2/authorize?client_id=1234&integration_type=1"
        "&scope=applications.commands"
    )
    assert out.rstrip().endswith(user_install)  # issue 12: both links


@pytest.mark.parametrize("command", ["run", "sync", "invite"])
def test_missing_token_exits_2_with_a_clear_message(command, capsys):
    assert run_command(command, Settings()) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


def test_rejected_token_is_never_printed(monkeypatch, capsys, caplog):
    secret = "MTIz.secret-token-value"

    async def refuse(bot, token):
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(app, "_run", refuse)
    settings = Settings(discord_token=secret, knowledge_dir=FIXTURE_KB, database_path=":memory:")
    with caplog.at_level(logging.DEBUG):
        assert run_command("run", settings) == 2  # issue 15: a rejected token exits 2
    captured = capsys.readouterr()
    assert "rejected DISCORD_TOKEN" in captured.err
    assert secret not in captured.out + captured.err + caplog.text
    assert secret not in repr(settings)


async def test_sync_goes_to_the_dev_guild_when_set(fixture_engine, monkeypatch):
    bot = create_bot(Settings(dev_guild_id=GUILD_ID), engine=fixture_engine, store=InMemoryStore())
    calls = []

    async def fake_sync(*, guild=None):
        calls.append(guild.id if guild else None)
        return []

    monkeypatch.setattr(bot.tree, "sync", fake_sync)
    await bot.load_extension("bot.cogs.optout")
    await bot.load_extension("bot.cogs.catalogue")
    await bot.sync_commands()
    assert calls == [GUILD_ID]
    assert {c.name for c in bot.tree.get_commands(guild=discord.Object(GUILD_ID))} == {
        "optout",
        "ask",
        "topics",
        "sources",
    }
    bot.settings = Settings()
    await bot.sync_commands()
    assert calls == [GUILD_ID, None]


def _client_with(parsers: object, user_id: int | None = 5):
    user = None if user_id is None else SimpleNamespace(id=user_id)
    return SimpleNamespace(_connection=SimpleNamespace(parsers=parsers, user=user))


def test_own_message_echoes_skip_only_the_bots_own_messages():
    parsed: list[dict] = []
    parsers = {"MESSAGE_CREATE": parsed.append}
    client = _client_with(parsers)
    assert traffic.skip_own_message_echoes(client) is True
    parse = parsers["MESSAGE_CREATE"]
    parse({"id": "1", "author": {"id": "5"}})  # the bot's own: skipped
    parse({"id": "2", "author": {"id": "6"}})
    parse({"id": "3"})  # no author (odd payload): left to discord.py
    client._connection.user = None  # before READY nobody is "me"
    parse({"id": "4", "author": {"id": "5"}})
    assert [d["id"] for d in parsed] == ["2", "3", "4"]


@pytest.mark.parametrize("parsers", [None, {}, ["MESSAGE_CREATE"]])
def test_own_message_echoes_leave_an_unexpected_discord_py_alone(parsers):
    assert traffic.skip_own_message_echoes(_client_with(parsers)) is False


def test_create_bot_skips_own_echoes(fixture_engine):
    bot = create_bot(Settings(), engine=fixture_engine, store=InMemoryStore())
    parse = bot._connection.parsers["MESSAGE_CREATE"]
    assert parse.__qualname__.startswith("skip_own_message_echoes")


async def test_login_keeps_a_connector_the_caller_gave(fixture_engine, monkeypatch):
    async def no_login(self, token):
        return None

    monkeypatch.setattr(discord.Client, "login", no_login)
    given = aiohttp.TCPConnector(limit=3)
    bot = create_bot(Settings(), engine=fixture_engine, store=InMemoryStore())
    bot.http.connector = given
    await bot.login("token")
    assert bot.http.connector is given
    other = create_bot(Settings(), engine=fixture_engine, store=InMemoryStore())
    await other.login("token")
    assert other.http.connector.limit == traffic.HTTP_CONNECTIONS
    await given.close()
    await other.http.connector.close()
