"""Validating a knowledge folder for the bot: the loader's rules plus what needs answering.

The loader (core) checks the YAML on its own; whether every composed answer fits a Discord
embed needs the answering package, which builds on the loader. So the checks that need more
than the knowledge are added here, one layer up, and every path that validates a folder for
the bot (``optout-bot check``, live reload, teach) loads through ``load_validated``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from os import PathLike

from bot.knowledge.loader import DEFAULT_STALE_DAYS, KnowledgeCheck, LoadResult, load_knowledge
from bot.knowledge.problems import Problem
from bot.knowledge.schema import KnowledgeBase
from bot.presentation.layout import budget_problems


def render_budget(kb: KnowledgeBase) -> Iterator[Problem]:
    """Every entry, composed for every platform, region and language, fits an embed uncut."""
    for entry, message in budget_problems(kb):
        yield Problem(entry.file, entry.line, f"entry '{entry.id}': {message}")


FOLDER_CHECKS: tuple[KnowledgeCheck, ...] = (render_budget,)


def load_validated(
    root: str | PathLike[str] | None = None,
    *,
    today: date | None = None,
    stale_days: int = DEFAULT_STALE_DAYS,
    replacing: dict[str, str] | None = None,
) -> LoadResult:
    """``load_knowledge`` with the checks the bot needs before it answers from a folder."""
    return load_knowledge(
        root, today=today, stale_days=stale_days, replacing=replacing, checks=FOLDER_CHECKS
    )
