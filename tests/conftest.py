"""Shared fixtures: the small fixture knowledge base, an engine built on it, an open
in-memory store."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.store import InMemoryStore

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb_min"
REPO_KB = Path(__file__).resolve().parent.parent / "knowledge"


@pytest.fixture(scope="session")
def fixture_kb():
    result = load_knowledge(FIXTURE_KB)
    assert result.kb is not None, [str(p) for p in result.problems]
    return result.kb


@pytest.fixture
def fixture_engine(fixture_kb) -> Engine:
    return Engine(fixture_kb)


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture knowledge base, for edits."""
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KB, target)
    return target


@pytest.fixture
async def store() -> AsyncIterator[InMemoryStore]:
    """An open in-memory store (the bot's setup_hook opening it again is harmless)."""
    store = InMemoryStore()
    await store.open()
    yield store
    await store.close()
