"""Strict settings (issue 15): every bad value stops run/sync/invite with one line per
problem naming the variable, what is wrong and a good example; .env read by python-dotenv."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.config import VARIABLES, Settings, SettingsError

SECRET = "hunter2-not-for-logs"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the machine running the tests, no .env above the working folder."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


BAD = [
    ("USER_COOLDOWN_SECONDS", "ten", "USER_COOLDOWN_SECONDS=10"),
    ("CHANNEL_COOLDOWN_SECONDS", "-1", "CHANNEL_COOLDOWN_SECONDS=10"),
    ("REPEAT_WINDOW_SECONDS", "nan", "REPEAT_WINDOW_SECONDS=10"),
    ("MESSAGE_CONTENT", "ture", "MESSAGE_CONTENT=true"),
    ("WATCH_KNOWLEDGE", "maybe", "WATCH_KNOWLEDGE=true"),
    ("SYNC_COMMANDS", "never", "SYNC_COMMANDS=true"),
    ("LOG_TRACE", "sometimes", "LOG_TRACE=true"),
    ("LOG_LEVEL", "verbose", "LOG_LEVEL=INFO"),
    ("LOG_FORMAT", "xml", "LOG_FORMAT=json"),
    ("RETENTION_DAYS", "0", "RETENTION_DAYS=30"),
    ("KNOWLEDGE_STALE_DAYS", "6 months", "KNOWLEDGE_STALE_DAYS=30"),
    ("DEV_GUILD_ID", "my-server", "DEV_GUILD_ID=123456789012345678"),
    ("APPLICATION_ID", "-5", "APPLICATION_ID=123456789012345678"),
    ("HOME_GUILD_ID", "1.5", "HOME_GUILD_ID=123456789012345678"),
    ("MAINTAINER_ROLE_ID", "0", "MAINTAINER_ROLE_ID=123456789012345678"),
    ("MAINTAINER_LOG_CHANNEL_ID", "#log", "MAINTAINER_LOG_CHANNEL_ID=123456789012345678"),
    ("SHARD_COUNT", "0", "SHARD_COUNT=4"),
    ("SHARD_IDS", "0,one", "SHARD_IDS=0,1"),
    ("HEALTH_PORT", "99999", "HEALTH_PORT=8080"),
    ("HEALTH_HOST", "local host", "HEALTH_HOST=127.0.0.1"),
    ("DATABASE_PATH", "/no/such/folder/bot.sqlite3", "DATABASE_PATH=optout-bot.sqlite3"),
]


@pytest.mark.parametrize("command", ["run", "sync", "invite"])
@pytest.mark.parametrize(("name", "value", "example"), BAD)
def test_a_bad_value_stops_the_command_with_one_clear_line(
    command, name, value, example, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "token-that-is-never-used")
    monkeypatch.setenv(name, value)
    assert cli.main([command]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"optout-bot: {name}=") and f"e.g. {example}" in lines[0]
    assert repr(value) in lines[0]  # the value's problem is shown with the value itself


def test_every_problem_is_reported_in_one_run(monkeypatch, capsys) -> None:
    for name, value, _ in BAD:
        monkeypatch.setenv(name, value)
    assert cli.main(["run"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[1].split("=")[0].strip() for line in lines] == [
        name for name, *_ in sorted(BAD, key=lambda bad: VARIABLES.index(bad[0]))
    ]


def test_secrets_are_named_but_never_shown(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", f"mysql://bot:{SECRET}@db/optout")
    monkeypatch.setenv("DISCORD_TOKEN", f'"{SECRET}"')
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DATABASE_URL: must start with postgresql://" in err
    assert "DISCORD_TOKEN: contains spaces or quotes" in err
    assert SECRET not in err


def test_shard_combinations_are_checked_with_the_rest() -> None:
    env = {"SHARD_COUNT": "4", "SHARD_IDS": "0,1", "LOG_LEVEL": "loud"}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, dotenv=None)
    assert len(caught.value.problems) == 2
    assert "set DATABASE_URL" in caught.value.problems[1]


def test_good_values_are_parsed_by_type() -> None:
    env = {
        "USER_COOLDOWN_SECONDS": "0",
        "CHANNEL_COOLDOWN_SECONDS": "2.5",
        "MESSAGE_CONTENT": "YES",
        "SYNC_COMMANDS": "off",
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "JSON",
        "SHARD_COUNT": "2",
        "SHARD_IDS": " 0, 1 ",
        "HEALTH_PORT": "9100",
        "HEALTH_HOST": "0.0.0.0",
        "RETENTION_DAYS": "7",
        "DATABASE_PATH": ":memory:",
    }
    s = Settings.from_env(env, dotenv=None)
    assert (s.user_cooldown_seconds, s.channel_cooldown_seconds) == (0.0, 2.5)
    assert s.message_content is True and s.sync_commands is False
    assert (s.log_level, s.log_format) == ("DEBUG", "json")
    assert (s.shard_count, s.shard_ids) == (2, (0, 1))
    assert (s.health_port, s.health_host, s.retention_days) == (9100, "0.0.0.0", 7)


def test_dotenv_quotes_comments_export_and_upward_search(tmp_path, monkeypatch) -> None:
    (tmp_path / ".env").write_text(
        "# the bot's settings\n"
        'DISCORD_TOKEN="abc.def"  # pasted from the portal\n'
        "export LOG_LEVEL=debug\n"
        "MESSAGE_CONTENT='true'\n"
        "USER_COOLDOWN_SECONDS=5 # seconds\n"
        "DATABASE_URL=postgresql://bot:pa$word#1@db/optout\n",
        encoding="utf-8",
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    s = Settings.from_env({})
    assert s.discord_token == "abc.def"  # no quotes, no comment: Discord accepts it
    assert (s.log_level, s.message_content, s.user_cooldown_seconds) == ("DEBUG", True, 5.0)
    assert s.database_url == "postgresql://bot:pa$word#1@db/optout"  # no ${} expansion


def test_real_environment_variables_win_over_dotenv(tmp_path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=debug\nRETENTION_DAYS=oops\n", encoding="utf-8")
    s = Settings.from_env({"LOG_LEVEL": "error", "RETENTION_DAYS": "9"}, dotenv=env_file)
    assert (s.log_level, s.retention_days) == ("ERROR", 9)


def test_a_bad_value_in_dotenv_is_reported_too(tmp_path, capsys) -> None:
    (tmp_path / ".env").write_text("USER_COOLDOWN_SECONDS=ten\n", encoding="utf-8")
    assert cli.main(["sync"]) == 2
    assert "USER_COOLDOWN_SECONDS='ten': must be a number of seconds" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "sync"])
def test_a_missing_knowledge_folder_is_named(command, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "token-that-is-never-used")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path / "nowhere"))
    assert cli.main([command]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optout-bot: KNOWLEDGE_DIR=") and "knowledge export" in err
