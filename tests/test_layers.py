"""The layers hold: each package imports only from the layers below it (read from the code).

One folder (or top-level module) is one layer. From the bottom: the outcome vocabulary and the
settings (leaves); core (knowledge, answering) and store (a leaf but for the vocabulary);
presentation (layout within Discord's limits, phone-first message, text and JSON) on the core;
services (knowledge service, teach, reports, retention, settings cache, answer log, the
composition root) on core, store, presentation and settings; tools (the labelled question sets
the tests and benchmarks score) on the core; on top the front ends (Discord: discord_ui, cogs,
app, permissions, health, metrics; and the CLI). Only the front ends import Discord. The core
never imports Discord, the store, presentation or a front end, so `optout-bot ask` and the
tests answer without any of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

CORE = {"bot.knowledge", "bot.answering"}
OUTCOME = {"bot.outcome"}  # one word for what the bot did: below the core and the store
LAYERS: dict[str, set[str]] = {
    # package -> the bot packages it may import (besides itself)
    "bot.__init__": set(),
    "bot.outcome": set(),
    "bot.config": set(),  # settings from the environment: a leaf
    "bot.knowledge": CORE | OUTCOME,
    "bot.answering": CORE | OUTCOME,
    "bot.store": OUTCOME,
    "bot.presentation": CORE | OUTCOME,
    "bot.services": CORE | OUTCOME | {"bot.store", "bot.presentation", "bot.config"},
    "bot.tools": CORE | OUTCOME,
}
NO_DISCORD = set(LAYERS)
#: On top, free to import every layer below (and Discord).
FRONT_ENDS = {
    "bot.discord_ui",
    "bot.cogs",
    "bot.app",
    "bot.permissions",
    "bot.health",
    "bot.metrics",
    "bot.logging_setup",
    "bot.cli",
    "bot.__main__",
}


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "bot":  # from bot import cli: the module bot.cli
                found.update(f"bot.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        out.append((".".join(parts), path))
    return out


def _violations(module: str, path: Path) -> list[str]:
    """The imports of `module` (at `path`) that its layer does not allow."""
    package = _package(module)
    if package not in LAYERS:
        return []  # front ends (Discord, CLI, app, health) may import every layer below them
    allowed = LAYERS[package] | {package}
    imports = _imports(path)
    upward = [n for n in imports if n.startswith("bot.") and _package(n) not in allowed]
    discord = [n for n in imports if n.split(".")[0] == "discord" and package in NO_DISCORD]
    return sorted(upward + discord)


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_no_layer_imports_upward(module: str, path: Path) -> None:
    assert not _violations(module, path), f"{module} imports {_violations(module, path)}"


def test_every_module_sits_in_one_layer() -> None:
    """A new folder or top-level module must be placed in a layer (or named a front end)."""
    packages = {_package(module) for module, _ in _modules()}
    assert not packages - set(LAYERS) - FRONT_ENDS
    assert not set(LAYERS) & FRONT_ENDS
    assert {"bot.services", "bot.tools", "bot.presentation", "bot.store"} <= packages


def test_the_rule_can_fail(tmp_path: Path) -> None:
    """The checker sees a forbidden import when there is one."""
    assert "discord" in _imports(BOT / "app.py")
    assert _package("bot.discord_ui.views") not in LAYERS["bot.answering"]
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from discord.ext import tasks\nfrom bot import cli\nimport bot.cogs.kb\n"
        "from bot.store import Store\n",
        encoding="utf-8",
    )
    assert _violations("bot.services.bad", bad) == ["bot.cli", "bot.cogs.kb", "discord.ext"]
    assert _violations("bot.tools.bad", bad) == [
        "bot.cli",
        "bot.cogs.kb",
        "bot.store",
        "discord.ext",
    ]
    assert _violations("bot.cogs.bad", bad) == []  # a front end
