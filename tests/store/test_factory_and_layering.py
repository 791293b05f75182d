"""``open_store`` picks the right backend, and the store stays independent of Discord/core."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import bot.store
from bot.store import InMemoryStore, SqliteStore, Store, open_store

REPO = Path(__file__).resolve().parents[2]
STORE_DIR = REPO / "bot" / "store"


@pytest.mark.parametrize("path", [None, "", ":memory:"])
async def test_open_store_memory(path: str | None) -> None:
    store = open_store(path, retention_days=5)
    assert isinstance(store, InMemoryStore)
    assert store.retention_days == 5
    async with store:
        assert (await store.stats()).total == 0


async def test_open_store_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b.sqlite3"
    store = open_store(str(path), retention_days=9)
    assert isinstance(store, SqliteStore)
    assert store.retention_days == 9
    assert not path.exists()  # nothing touches the disk before open()
    async with store:
        assert path.exists()


def test_backends_satisfy_protocol(tmp_path: Path) -> None:
    assert isinstance(InMemoryStore(), Store)
    assert isinstance(SqliteStore(tmp_path / "x.db"), Store)
    assert bot.store.DEFAULT_DATABASE_PATH == "optout-bot.sqlite3"


def test_store_imports_no_discord_or_core() -> None:
    forbidden = ("discord", "bot.answering", "bot.knowledge")
    for source in STORE_DIR.glob("*.py"):
        tree = ast.parse(source.read_text(), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"


def test_importing_store_loads_no_discord_or_core() -> None:
    code = (
        "import sys, bot.store; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'discord' "
        "or m.startswith(('bot.answering', 'bot.knowledge'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
