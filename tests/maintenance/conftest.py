"""A knowledge copy, an engine answering from it, and a service reloading it, per test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.services import KnowledgeService, ReloadReport
from tests.kb_copy import copy_kb, engine_for


class Calls:
    """Collects callback reports so tests can assert what maintainers were told."""

    def __init__(self) -> None:
        self.problems: list[ReloadReport] = []
        self.reloaded: list[ReloadReport] = []

    async def on_problems(self, report: ReloadReport) -> None:
        self.problems.append(report)

    async def on_reloaded(self, report: ReloadReport) -> None:
        self.reloaded.append(report)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return copy_kb(tmp_path)


@pytest.fixture
def engine(kb_dir: Path) -> Engine:
    return engine_for(kb_dir)


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def service(engine: Engine, kb_dir: Path, calls: Calls) -> KnowledgeService:
    return KnowledgeService(
        engine,
        kb_dir,
        stale_days=100_000,
        on_problems=calls.on_problems,
        on_reloaded=calls.on_reloaded,
        debounce_ms=100,
        poll_seconds=0.05,
        today=lambda: date(2026, 11, 20),
    )
