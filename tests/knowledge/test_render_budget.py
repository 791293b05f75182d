"""An answer too long for one Discord embed is refused wherever the bot validates a folder.

The check needs the answering package, so the loader does not run it by itself: the service
layer adds it (``bot.services.validate``) for ``optout-bot check``, live reload and teach.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.cli import check
from bot.knowledge import load_knowledge
from bot.services import KnowledgeService
from bot.services.validate import load_validated

TOPICS = Path("entries") / "topics.yaml"
KNOWLEDGE_PACKAGE = Path(__file__).resolve().parents[2] / "bot" / "knowledge"
SHORT_STEPS = (
    "      desktop: [Click Me, Choose Settings & Privacy, Open Data privacy, Turn the toggle off]\n"
    "      mobile: [Tap your photo, Tap Settings, Tap Data privacy, Turn the toggle off]\n"
)


def _make_turn_off_too_long(root: Path) -> None:
    """Every field within its own limit, but answer and ten long steps overflow the embed."""
    path = root / TOPICS
    text = path.read_text(encoding="utf-8")
    steps = "\n".join(f"        - {'x' * 280} {i}" for i in range(10))
    assert SHORT_STEPS in text
    text = text.replace(SHORT_STEPS, f"      desktop:\n{steps}\n      mobile:\n{steps}\n")
    text = text.replace(
        "    answer: Switch off **Data for Generative AI Improvement**.",
        "    answer: " + "word " * 290,
    )
    path.write_text(text, encoding="utf-8")


def _budget_errors(result) -> list[str]:
    return [str(p) for p in result.errors if "too long for a Discord embed" in p.message]


def test_validation_refuses_an_answer_over_the_embed_budget(kb_copy: Path) -> None:
    _make_turn_off_too_long(kb_copy)
    result = load_validated(kb_copy, stale_days=100_000)
    assert not result.ok
    errors = _budget_errors(result)
    assert errors and all("topics.yaml:2: entry 'turn-off'" in e for e in errors)


def test_the_loader_alone_leaves_the_budget_to_its_callers(kb_copy: Path) -> None:
    """The core loader accepts it: the budget is the service layer's check, added as a hook."""
    _make_turn_off_too_long(kb_copy)
    assert load_knowledge(kb_copy, stale_days=100_000).ok


def test_a_check_hook_fails_the_load_with_its_problems(kb_copy: Path) -> None:
    from bot.knowledge import Problem

    def every_entry_is_bad(kb):
        return [Problem(e.file, e.line, f"entry '{e.id}': bad") for e in kb.entries.values()]

    result = load_knowledge(kb_copy, checks=(every_entry_is_bad,))
    assert not result.ok and len(result.errors) == 4


def test_cli_check_refuses_an_answer_over_the_embed_budget(kb_copy: Path, capsys) -> None:
    _make_turn_off_too_long(kb_copy)
    assert check(kb_copy, 100_000) == 1
    assert "too long for a Discord embed" in capsys.readouterr().out


async def test_live_reload_keeps_the_old_snapshot_over_the_embed_budget(kb_copy: Path) -> None:
    engine = Engine(load_knowledge(kb_copy, stale_days=100_000).kb)
    before = engine.kb
    service = KnowledgeService(engine, kb_copy, stale_days=100_000)
    _make_turn_off_too_long(kb_copy)
    report = await service.reload("edit")
    assert not report.ok and engine.kb is before
    assert any("too long for a Discord embed" in p.message for p in report.errors)


def test_no_knowledge_module_imports_the_answer_layout() -> None:
    """The loader used to import presentation.layout for this check (the one package cycle)."""
    for path in sorted(KNOWLEDGE_PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "bot.presentation.layout", path.name


def test_the_bot_refuses_to_start_on_an_answer_over_the_embed_budget(kb_copy: Path) -> None:
    """create_bot() validates like `check`: an over-budget answer stops the start with the
    problem, instead of a bot that would cut the answer."""
    from bot.app import KnowledgeError, create_bot
    from bot.config import Settings

    _make_turn_off_too_long(kb_copy)
    with pytest.raises(KnowledgeError) as info:
        create_bot(Settings(knowledge_dir=kb_copy))
    assert any("too long for a Discord embed" in str(p) for p in info.value.result.errors)


def test_the_widest_region_bounds_every_regions_answer() -> None:
    """The budget check composes only no region and the widest one: that is exact only if the
    widest region's answer is the largest of all regions', for every entry and language."""
    from bot.answering.compose import compose_entry, widest_region
    from bot.knowledge.schema import REGION_IDS
    from bot.presentation.layout import layout

    kb = load_knowledge(None).kb
    for lang in ("en", *kb.translations):
        for entry in kb.entries.values():
            widest = widest_region(kb, entry, lang)
            sizes = {
                region: layout(
                    compose_entry(kb, entry, question="", platform=None, region=region, lang=lang)
                ).total_chars()
                for region in REGION_IDS
            }
            assert sizes[widest] == max(sizes.values()), (entry.id, lang, sizes)
