"""The layers hold: each package imports only from the layers below it (read from the code).

From the bottom: core (knowledge, answering) and store (a leaf); presentation (layout within
Discord's limits, phone-first message, text and JSON) on the core; services (maintenance:
knowledge service, teach, reports, retention) on core, store and presentation; on top the front
ends (Discord, CLI, app, the composition root). The core never imports Discord, the store,
presentation or a front end, so `optout-bot ask` and the tests answer without any of them.
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
    "bot.outcome": set(),
    "bot.knowledge": CORE | OUTCOME,
    "bot.answering": CORE | OUTCOME,
    "bot.store": OUTCOME,
    "bot.presentation": CORE | OUTCOME,
    "bot.config": set(),  # settings from the environment: a leaf, like the store
    "bot.services": CORE | OUTCOME | {"bot.store", "bot.presentation", "bot.config"},
    "bot.evaluation": CORE | OUTCOME,
    "bot.wild_evaluation": CORE | OUTCOME | {"bot.evaluation"},
}
NO_DISCORD = set(LAYERS)


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        out.append((".".join(parts), path))
    return out


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[m for m, _ in _modules()])
def test_no_layer_imports_upward(module: str, path: Path) -> None:
    package = _package(module)
    if package not in LAYERS:
        return  # front ends (Discord, CLI, app, health) may import every layer below them
    allowed = LAYERS[package] | {package}
    upward = sorted(
        name for name in _imports(path) if name.startswith("bot.") and _package(name) not in allowed
    )
    assert not upward, f"{module} imports {upward}"
    if package in NO_DISCORD:
        assert not [n for n in _imports(path) if n.split(".")[0] == "discord"], module


def test_the_rule_can_fail() -> None:
    """The checker sees a forbidden import when there is one."""
    assert "discord" in _imports(BOT / "app.py")
    assert _package("bot.discord_ui.views") not in LAYERS["bot.answering"]
