"""Every kind of bad edit is rejected with file and line, and the old snapshot keeps answering."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.services import KnowledgeService
from tests.kb_copy import BASE, TOPICS, line_of, replace_in
from tests.maintenance.conftest import Calls

PM_ANSWER = "    answer: LinkedIn says private messages are not used."

# Each edit breaks the folder and returns (file label, expected line); None means "any line",
# 0 means the problem is about the whole file (too big to read at all).
Edit = Callable[[Path], tuple[str, int | None]]


def _topics(root: Path) -> Path:
    return root / TOPICS


def _edit_line(old: str, new: str, *, path: Path = TOPICS) -> Edit:
    def edit(root: Path) -> tuple[str, int | None]:
        text = (root / path).read_text(encoding="utf-8")
        line = text[: text.index(old)].count("\n") + 1
        replace_in(root / path, old, new)
        return f"knowledge/{path.as_posix()}", line

    return edit


def syntax_error(root: Path) -> tuple[str, int | None]:
    return _edit_line(PM_ANSWER, "    answer: [LinkedIn says, unclosed")(root)


def bad_indentation(root: Path) -> tuple[str, int | None]:
    replace_in(_topics(root), "    title: Are private", "      title: Are private")
    return "knowledge/entries/topics.yaml", line_of(_topics(root), "title: Are private")


def tab_indentation(root: Path) -> tuple[str, int | None]:
    replace_in(_topics(root), "    title: Are private", "\ttitle: Are private")
    return "knowledge/entries/topics.yaml", line_of(_topics(root), "title: Are private")


def huge_file(root: Path) -> tuple[str, int | None]:
    with (root / "entries" / "big.yaml").open("w", encoding="utf-8") as out:
        out.write("# padding\n" * 120_000)
    return "knowledge/entries/big.yaml", 0


def non_utf8(root: Path) -> tuple[str, int | None]:
    path = _topics(root)
    data = path.read_bytes().replace(b"are my private messages used", b"are my priv\xe9 messages")
    path.write_bytes(data)
    return "knowledge/entries/topics.yaml", line_of_bytes(data, b"priv\xe9")


def line_of_bytes(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def alias_bomb(root: Path) -> tuple[str, int | None]:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    (root / "entries" / "bomb.yaml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    return "knowledge/entries/bomb.yaml", 2


def python_tag(root: Path) -> tuple[str, int | None]:
    return _edit_line(PM_ANSWER, '    answer: !!python/object/apply:os.system ["echo pwned"]')(root)


def deleted_file(root: Path) -> tuple[str, int | None]:
    # base.yaml holds the sources: the entries' references now dangle (reported at their line).
    (root / BASE).unlink()
    return "knowledge/entries/topics.yaml", line_of(_topics(root), "sources: [help-page]")


def half_written(root: Path) -> tuple[str, int | None]:
    path = _topics(root)
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"does it read my dms") + 8])  # an editor mid-save
    return "knowledge/entries/topics.yaml", None


def empty_file(root: Path) -> tuple[str, int | None]:
    _topics(root).write_bytes(b"")
    return "knowledge/entries/topics.yaml", 1


def two_documents(root: Path) -> tuple[str, int | None]:
    with _topics(root).open("a", encoding="utf-8") as out:
        out.write("---\nentries: []\n")
    return "knowledge/entries/topics.yaml", line_of(_topics(root), "---")


BAD_EDITS: dict[str, Edit] = {
    "syntax error": syntax_error,
    "bad indentation": bad_indentation,
    "tab indentation": tab_indentation,
    "unknown key": _edit_line(PM_ANSWER, PM_ANSWER + "\n    answr: typo key"),
    "unknown section": _edit_line("entries:", "entrys:"),
    "duplicate id": _edit_line("  - id: regions", "  - id: turn-off"),
    "duplicate phrasing": _edit_line("      - does it read my dms", "      - how do i opt out"),
    "dangling source": _edit_line("sources: [help-page, news]", "sources: [help-page, newz]"),
    "dangling related": _edit_line(PM_ANSWER, PM_ANSWER + "\n    related: [turn-of]"),
    "wrong type": _edit_line("    title: Are private messages used?", "    title: [a, list]"),
    "bad date": _edit_line('    checked: "2026-11-01"', '    checked: "last week"'),
    "empty answer": _edit_line(PM_ANSWER, '    answer: ""'),
    "over-long answer": _edit_line(PM_ANSWER, "    answer: " + "word " * 320),
    "too few examples": _edit_line(
        "      - reset my password\n      - i forgot my password\n      - my account was hacked\n",
        "      - reset my password # one fewer\n",
    ),
    "non-UTF-8 bytes": non_utf8,
    "huge file": huge_file,
    "alias bomb": alias_bomb,
    "python tag": python_tag,
    "deleted file": deleted_file,
    "half-written file": half_written,
    "empty file": empty_file,
    "two documents": two_documents,
}


def test_at_least_fifteen_kinds() -> None:
    assert len(BAD_EDITS) >= 15


def _answers_turn_off(engine: Engine, version: str) -> None:
    answer = engine.answer("how do i opt out")
    assert answer.entry_id == "turn-off"
    assert answer.kb_version == version


@pytest.mark.parametrize("kind", list(BAD_EDITS))
async def test_bad_edit_is_rejected_with_file_and_line(
    kind: str, kb_dir: Path, engine: Engine, service: KnowledgeService, calls: Calls
) -> None:
    old_version = engine.kb.version
    label, line = BAD_EDITS[kind](kb_dir)

    report = await service.reload("edit")

    assert not report.ok and not report.applied
    assert report.version == old_version
    hits = [p for p in report.errors if p.file == label and (p.line > 0 or line == 0)]
    assert hits, f"no problem located in {label}: {[str(p) for p in report.errors]}"
    if line is not None:
        # YAML's parser may point at the line after an unclosed bracket; allow one line.
        assert any(abs(p.line - line) <= 1 for p in hits), [str(p) for p in report.errors]
    _answers_turn_off(engine, old_version)
    assert [r.errors for r in calls.problems] == [report.errors]
    assert calls.reloaded == []


async def test_knowledge_folder_deleted_keeps_last_good(
    kb_dir: Path, engine: Engine, service: KnowledgeService, calls: Calls
) -> None:
    old = engine.kb.version
    shutil.rmtree(kb_dir)
    report = await service.reload("edit")
    assert not report.ok
    assert "not found" in str(report.errors[0])
    _answers_turn_off(engine, old)
    assert len(calls.problems) == 1


async def test_unreadable_file_keeps_last_good(
    kb_dir: Path, engine: Engine, service: KnowledgeService
) -> None:
    old = engine.kb.version
    (kb_dir / "entries" / "gone.yaml").symlink_to(kb_dir / "nowhere.yaml")  # dangling link
    report = await service.reload("edit")
    assert not report.ok
    assert [str(p) for p in report.errors] == [
        "knowledge/entries/gone.yaml: cannot read file: No such file or directory"
    ]
    _answers_turn_off(engine, old)


async def test_fix_after_bad_edit_goes_live_and_is_announced(
    kb_dir: Path, engine: Engine, service: KnowledgeService, calls: Calls
) -> None:
    path = kb_dir / TOPICS
    good = path.read_text(encoding="utf-8")
    syntax_error(kb_dir)
    await service.reload("edit")
    await service.reload("edit")  # the same broken save again: reported once only
    assert len(calls.problems) == 1
    path.write_text(good.replace("LinkedIn says private", "LinkedIn now says private"), "utf-8")
    report = await service.reload("edit")
    assert report.ok and report.applied
    assert engine.answer("does it read my dms").body.startswith("LinkedIn now says")
    assert calls.reloaded == [report]


async def test_half_written_file_is_rejected_unless_cut_between_entries(
    kb_dir: Path, service: KnowledgeService
) -> None:
    """Verifies the loader's claim: a cut anywhere inside an entry is an error. A cut exactly
    after an entry's last line is valid YAML with fewer entries; then the report names the
    removed entries, and the watcher's settle check re-reads a file that is still growing."""
    from bot.knowledge import load_knowledge

    path = kb_dir / TOPICS
    data = path.read_bytes()
    accepted = []
    line_ends = {i + 1 for i, byte in enumerate(data) if byte == ord("\n")}
    for cut in sorted(line_ends | set(range(1, len(data), 29))):
        path.write_bytes(data[:cut])
        if load_knowledge(kb_dir, stale_days=100_000).ok:
            accepted.append(cut)
    assert accepted
    for cut in accepted:
        assert data[:cut].rstrip().endswith(b'checked: "2026-11-01"'), data[:cut][-40:]
    path.write_bytes(data[: accepted[0]])
    report = await service.reload("edit")
    assert report.applied and report.removed == ("offtopic-account", "private-messages", "regions")
    assert "removed offtopic-account" in report.summary()
