"""Throwaway copies of the test knowledge base, so tests can edit, break and delete files.

Shared by the maintenance and cog tests; the copy is named ``knowledge`` like the real folder,
so problem labels read ``knowledge/entries/topics.yaml:12`` as moderators would see them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.answering import Engine
from bot.knowledge import load_knowledge

KB_MIN = Path(__file__).parent / "fixtures" / "kb_min"
TOPICS = Path("entries") / "topics.yaml"
BASE = Path("base.yaml")


def copy_kb(tmp_path: Path, name: str = "knowledge", source: Path = KB_MIN) -> Path:
    """Copy the minimal knowledge base into ``tmp_path/name`` and return the copy's path."""
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def engine_for(root: Path) -> Engine:
    """An engine answering from the folder as it is now (which must be valid)."""
    result = load_knowledge(root, stale_days=100_000)
    assert result.ok, [str(p) for p in result.errors]
    return Engine(result.kb)


def line_of(path: Path, needle: str) -> int:
    """1-based line number of the first line containing ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
