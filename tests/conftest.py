"""Shared fixtures: the small fixture knowledge base and an engine built on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.knowledge import load_knowledge

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
