""".env.example documents every setting Settings.from_env() reads, and holds no token."""

from __future__ import annotations

import re
from pathlib import Path

import bot.config
from bot.config import VARIABLES, Settings, read_dotenv

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_with_a_comment():
    source = Path(bot.config.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'get\(\s*"([A-Z_]+)"', source))
    assert read == set(VARIABLES)
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    documented = {}
    for n, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            documented[line.split("=", 1)[0]] = lines[n - 1].startswith("#")
    assert read == set(documented)
    assert all(documented.values()), [k for k, v in documented.items() if not v]


def test_example_is_valid_and_has_no_token():
    values = read_dotenv(ROOT / ".env.example")
    assert values["DISCORD_TOKEN"] == ""
    settings = Settings.from_env({}, dotenv=ROOT / ".env.example")
    assert settings.discord_token is None and settings.message_content is False
    assert settings.database_path == "optout-bot.sqlite3"
