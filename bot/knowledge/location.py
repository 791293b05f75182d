"""Where the knowledge lives, and whether moderators may write there.

A normal (non-editable) install puts the bundled knowledge inside the installed package
(site-packages/bot/_knowledge): teaching there would be lost at the next upgrade, so
`/kb-admin teach` refuses and `optout-bot run` warns; `optout-bot knowledge export DIR` copies
the bundled files to start a folder of one's own (KNOWLEDGE_DIR).
"""

from __future__ import annotations

import shutil
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from bot.knowledge.loader import default_knowledge_dir

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the installed `bot` package

IN_PACKAGE = (
    "the knowledge folder {folder} is inside the installed package, so changes there are "
    "lost at the next upgrade; set KNOWLEDGE_DIR to a folder of your own (start one with "
    "`optout-bot knowledge export DIR`)"
)

TEACH_REFUSED = (
    "The knowledge folder is inside the installed package: a phrasing saved there would be "
    "lost at the next upgrade, so nothing was saved. Set KNOWLEDGE_DIR to a folder of your "
    "own (start one with `optout-bot knowledge export DIR`) and restart the bot."
)


def install_roots() -> list[Path]:
    """Folders that belong to the Python installation, not to the people running the bot."""
    roots = {PACKAGE_DIR / "_knowledge"}
    for name in ("purelib", "platlib"):
        path = sysconfig.get_paths().get(name)
        if path:
            roots.add(Path(path))
    return sorted(roots)


def inside_installed_package(folder: Path, roots: Iterable[Path] | None = None) -> bool:
    """True when ``folder`` is (inside) the installed package or site-packages."""
    target = Path(folder).resolve()
    for root in install_roots() if roots is None else roots:
        root = Path(root).resolve()
        if target == root or root in target.parents:
            return True
    return False


def export_knowledge(destination: Path, source: Path | None = None) -> list[Path]:
    """Copy the bundled knowledge (YAML, schema, README) into ``destination``, which must be
    missing or empty; returns the files written. Backups and caches are not copied."""
    source = Path(source) if source is not None else default_knowledge_dir()
    destination = Path(destination)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise FileExistsError(f"{destination} exists and is not an empty folder")
    ignore = shutil.ignore_patterns(".*", "__pycache__", "*.tmp")
    shutil.copytree(source, destination, ignore=ignore, dirs_exist_ok=True)
    return sorted(p for p in destination.rglob("*") if p.is_file())
