"""/kb teach writes one line into the YAML, keeps comments, validates first, backs up, goes live."""

from __future__ import annotations

import difflib
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.answering import Engine
from bot.knowledge import load_knowledge
from bot.services import KnowledgeService, TeachError, add_example
from bot.services import teach as teach_module
from bot.services.yaml_edit import append_example
from tests.kb_copy import TOPICS, engine_for, line_of, replace_in

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
REAL_KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def _added_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [d[2:] for d in diff if d.startswith("+ ")], [d[2:] for d in diff if d.startswith("- ")]


def test_round_trip_adds_one_line_and_keeps_comments(kb_dir: Path) -> None:
    path = kb_dir / TOPICS
    replace_in(path, "      - is inmail used for training", "      - is inmail used  # keep me")
    replace_in(
        path,
        "      - are my inbox messages safe\n",
        "      - are my inbox messages safe\n      # answer wording agreed in #42\n",
    )
    before = path.read_text(encoding="utf-8")

    result = add_example(
        kb_dir, "private-messages", "does linkedin read my dms", who="Mod", now=NOW
    )

    after = path.read_text(encoding="utf-8")
    added, removed = _added_lines(before, after)
    assert added == ["      - does linkedin read my dms"]
    assert removed == []
    assert "# keep me" in after and "# answer wording agreed in #42" in after
    # the full-line comment stays with what follows, below the new example
    assert after.index("does linkedin read my dms") < after.index("# answer wording agreed")
    assert result.line == line_of(path, "does linkedin read my dms")
    assert result.file == "knowledge/entries/topics.yaml"
    assert result.reformatted_lines == 0
    kb = load_knowledge(kb_dir).kb
    assert kb.entries["private-messages"].examples[-1] == "does linkedin read my dms"


def test_quote_style_follows_previous_example_and_special_text_is_escaped(kb_dir: Path) -> None:
    path = kb_dir / TOPICS
    replace_in(path, "      - are my inbox messages safe", '      - "are my inbox messages safe"')
    add_example(kb_dir, "private-messages", 'dms: "private"?', who="Mod", now=NOW)
    assert '      - "dms: \\"private\\"?"' in path.read_text(encoding="utf-8")
    kb = load_knowledge(kb_dir).kb
    assert kb.entries["private-messages"].examples[-1] == 'dms: "private"?'


def test_flow_style_examples_stay_flow_style() -> None:
    text = "entries:\n  - id: a\n    examples: [one, two]  # short list\n    answer: x\n"
    out = append_example(text, "a", "three: four")
    assert out.startswith("entries:\n  - id: a\n    examples: [one, two, 'three: four'] # short")
    assert out.endswith("list\n    answer: x\n")


def test_crlf_and_bom_are_kept() -> None:
    text = "\ufeffentries:\r\n  - id: a\r\n    examples:\r\n      - one\r\n    answer: x\r\n"
    out = append_example(text, "a", "two")
    assert out == text.replace("- one\r\n", "- one\r\n      - two\r\n")


@pytest.mark.skipif(not (REAL_KNOWLEDGE / "entries").is_dir(), reason="no real knowledge folder")
def test_real_knowledge_files_round_trip_without_layout_changes() -> None:
    for path in sorted((REAL_KNOWLEDGE / "entries").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        first = load_knowledge(REAL_KNOWLEDGE).kb
        ids = [e.id for e in first.entries.values() if Path(e.file).name == path.name]
        out = append_example(text, ids[0], "zz brand new phrasing")
        added, removed = _added_lines(text, out)
        assert removed == [], path.name
        assert len(added) == 1 and "zz brand new phrasing" in added[0], path.name


def test_backup_keeps_previous_file_and_loader_ignores_it(kb_dir: Path) -> None:
    before = (kb_dir / TOPICS).read_bytes()
    result = add_example(kb_dir, "turn-off", "kill the ai switch", who="Mod", now=NOW)
    assert result.backup.parent == kb_dir / ".backups"
    assert result.backup.name == "entries__topics.20261120T093000000000Z.yaml"
    assert result.backup.read_bytes() == before
    assert load_knowledge(kb_dir).ok  # the backup (a duplicate of every entry) is skipped
    assert not list((kb_dir / "entries").glob(".*"))  # no temp file left behind


def test_backups_are_pruned(kb_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(teach_module, "KEEP_BACKUPS", 3)
    for i in range(5):
        add_example(
            kb_dir, "turn-off", f"opt out variant number {i}", who="M", now=NOW.replace(minute=i)
        )
    backups = sorted(p.name for p in (kb_dir / ".backups").iterdir())
    assert len(backups) == 3 and backups[-1].startswith("entries__topics.20261120T0904")


@pytest.mark.parametrize(
    ("entry", "phrasing", "message"),
    [
        ("turn-off", "how do i opt out", "already an example of this entry"),
        ("regions", "How do I opt-out?", "already an example of entry 'turn-off'"),
        ("turn-off", "x" * 201, "at most 200"),
        ("turn-off", "   ", "empty"),
        ("turn-off", "?!", "empty"),
        ("turn-off", "ask <@123456789012345678> how", "mentions"),
        ("turn-off", "see https://example.org/x", "URLs"),
        ("turn-of", "a new phrasing", "no entry 'turn-of' (did you mean 'turn-off'?)"),
    ],
)
def test_refusals_leave_the_file_untouched(
    kb_dir: Path, entry: str, phrasing: str, message: str
) -> None:
    before = (kb_dir / TOPICS).read_bytes()
    with pytest.raises(TeachError) as caught:
        add_example(kb_dir, entry, phrasing, who="Mod", now=NOW)
    assert message in str(caught.value)
    assert (kb_dir / TOPICS).read_bytes() == before
    assert not (kb_dir / ".backups").exists()


def test_phrasing_is_tidied_to_one_line(kb_dir: Path) -> None:
    result = add_example(kb_dir, "turn-off", "  how\ndo I\tstop it  ", who="M", now=NOW)
    assert result.phrasing == "how do I stop it"


def test_broken_folder_is_not_taught_into(kb_dir: Path) -> None:
    (kb_dir / "entries" / "other.yaml").write_text("entries: [", encoding="utf-8")
    before = (kb_dir / TOPICS).read_bytes()
    with pytest.raises(TeachError) as caught:
        add_example(kb_dir, "turn-off", "a fresh phrasing", who="M", now=NOW)
    assert "fix them" in str(caught.value)
    assert caught.value.problems[0].file == "knowledge/entries/other.yaml"
    assert (kb_dir / TOPICS).read_bytes() == before


def test_validation_failure_after_edit_saves_nothing(kb_dir: Path, monkeypatch) -> None:
    """If the edited text would not validate (here: an editor bug), nothing is written."""
    monkeypatch.setattr(teach_module, "append_example", lambda text, e, p: text + "bogus: 1\n")
    before = (kb_dir / TOPICS).read_bytes()
    with pytest.raises(TeachError) as caught:
        add_example(kb_dir, "turn-off", "a fresh phrasing", who="M", now=NOW)
    assert "would not validate" in str(caught.value)
    assert "bogus" in str(caught.value.problems[0])
    assert (kb_dir / TOPICS).read_bytes() == before


def test_folder_level_problems_name_the_real_folder(kb_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(teach_module, "append_example", lambda text, e, p: "entries: []\n")
    with pytest.raises(TeachError) as caught:
        add_example(kb_dir, "turn-off", "a fresh phrasing", who="M", now=NOW)
    files = {p.file for p in caught.value.problems}
    assert str(kb_dir) in files
    assert not any("optout-teach-" in f for f in files)


def test_failed_write_keeps_old_file(kb_dir: Path, monkeypatch) -> None:
    def fail(src, dst):
        raise OSError(28, "No space left on device")

    before = (kb_dir / TOPICS).read_bytes()
    monkeypatch.setattr(teach_module.os, "replace", fail)
    with pytest.raises(TeachError, match=r"No space left on device\. Nothing was changed"):
        add_example(kb_dir, "turn-off", "a fresh phrasing", who="M", now=NOW)
    assert (kb_dir / TOPICS).read_bytes() == before
    assert not list((kb_dir / "entries").glob(".*.tmp"))


async def test_service_teach_takes_effect_at_once(
    kb_dir: Path, engine: Engine, service: KnowledgeService
) -> None:
    question = "pls make linkedin forget me for robots"
    assert engine.answer(question).entry_id != "turn-off"
    result, report = await service.teach("turn-off", question, who="Mod")
    assert report.applied
    assert engine.answer(question).entry_id == "turn-off"
    assert "Mod" not in (kb_dir / TOPICS).read_text(encoding="utf-8")
    assert result.who == "Mod"


async def test_concurrent_teaches_both_land(kb_dir: Path, service: KnowledgeService) -> None:
    import asyncio

    await asyncio.gather(
        service.teach("turn-off", "first new phrasing here", who="A"),
        service.teach("turn-off", "second new phrasing here", who="B"),
    )
    examples = load_knowledge(kb_dir).kb.entries["turn-off"].examples
    assert {"first new phrasing here", "second new phrasing here"} <= set(examples)


FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "how do i opt out")
NEAR_COPIES = ["Hòw dó Í ÓPT óut?", FULL_WIDTH, "how do i opt_out"]


@pytest.mark.parametrize("copy", NEAR_COPIES)
def test_teach_refuses_a_near_copy_of_another_entrys_phrasing(kb_dir: Path, copy: str) -> None:
    """Issue 14.3: accented, full-width and filler-character copies are the same to the
    matcher, so teaching one to the off-topic catcher would decline the original question."""
    before = (kb_dir / TOPICS).read_bytes()
    with pytest.raises(TeachError, match="already an example of entry 'turn-off'"):
        add_example(kb_dir, "offtopic-account", copy, who="Mod", now=NOW)
    assert (kb_dir / TOPICS).read_bytes() == before


def test_teach_refuses_a_phrasing_that_takes_questions_from_another_entry(kb_dir: Path) -> None:
    """Not a duplicate, but after the edit "does it read my dms" would no longer be answered by
    private-messages: every other entry's phrasings are answered again before saving.

    (A phrasing about the opt-out itself no longer moves: a close call between an answer and
    an off-topic entry goes to the answer when the question is about AI training.)"""
    before = (kb_dir / TOPICS).read_bytes()
    with pytest.raises(TeachError, match="take existing questions away") as info:
        add_example(kb_dir, "offtopic-account", "does it read my dms please", who="Mod", now=NOW)
    (problem,) = info.value.problems
    assert "“does it read my dms” of entry 'private-messages'" in problem.message
    assert problem.file == "knowledge/entries/topics.yaml"
    assert (kb_dir / TOPICS).read_bytes() == before
    assert engine_for(kb_dir).answer("does it read my dms").entry_id == "private-messages"


def test_teach_still_adds_a_phrasing_that_moves_nothing(kb_dir: Path) -> None:
    result = add_example(kb_dir, "offtopic-account", "opt out of my dms", who="Mod", now=NOW)
    assert result.phrasing == "opt out of my dms"


TEACH_CHILD = Path(__file__).with_name("teach_child.py")


@pytest.mark.parametrize("trial", range(3))
def test_two_processes_teaching_one_file_keep_both_phrasings(kb_dir: Path, trial: int) -> None:
    """Issue 14.8: without the lock one phrasing was lost in most trials (both said Added)."""
    start_at = str(time.time() + 2.0)  # after both interpreters have imported the bot
    phrasings = [f"does linkedin read my dms {trial}", f"does linkedin scan my inbox {trial}"]
    children = [
        subprocess.Popen(
            [sys.executable, str(TEACH_CHILD), str(kb_dir), "private-messages", p, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in phrasings
    ]
    said = [child.communicate(timeout=120) for child in children]
    assert [out.strip() for out, _ in said] == ["Added", "Added"], said
    examples = load_knowledge(kb_dir).kb.entries["private-messages"].examples
    assert set(phrasings) <= set(examples)


def test_backups_of_one_file_never_prune_another_files(kb_dir: Path, monkeypatch) -> None:
    """Issue 14.8: opt-out.yaml's pruning deleted opt-out.v2.yaml's backups (a glob matched)."""
    monkeypatch.setattr(teach_module, "KEEP_BACKUPS", 2)
    entries = kb_dir / "entries"
    for i in range(3):
        for name in ("opt-out", "opt-out.v2"):
            teach_module.backup_file(
                kb_dir, entries / f"{name}.yaml", "x: 1\n", NOW.replace(minute=i)
            )
    names = sorted(p.name for p in (kb_dir / ".backups").iterdir())
    assert names == [
        "entries__opt-out.20261120T090100000000Z.yaml",
        "entries__opt-out.20261120T090200000000Z.yaml",
        "entries__opt-out.v2.20261120T090100000000Z.yaml",
        "entries__opt-out.v2.20261120T090200000000Z.yaml",
    ]


def _german_file(kb_dir: Path, body: str) -> Path:
    path = kb_dir / "phrasings" / "de.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def test_a_question_in_another_language_joins_that_languages_phrasings(kb_dir: Path) -> None:
    """Taught German is stored (and so stemmed) as German, beside the other German phrasings."""
    path = _german_file(
        kb_dir,
        "# German phrasings\nphrasings:\n  private-messages:\n"
        '    - "werden meine nachrichten gelesen"  # first\n',
    )
    topics_before = (kb_dir / TOPICS).read_text(encoding="utf-8")
    question = "liest linkedin meine privaten nachrichten für die ki mit"
    result = add_example(kb_dir, "private-messages", question, who="Mod", now=NOW)
    text = path.read_text(encoding="utf-8")
    assert f'    - "{question}"' in text and "# first" in text
    assert (kb_dir / TOPICS).read_text(encoding="utf-8") == topics_before
    assert result.file == "knowledge/phrasings/de.yaml"
    assert result.line == line_of(path, question)
    entry = load_knowledge(kb_dir).kb.entries["private-messages"]
    assert entry.examples[-1] == question
    assert entry.example_lang(len(entry.examples) - 1) == "de"


def test_taught_portuguese_joins_the_portuguese_phrasings(kb_dir: Path) -> None:
    """Portuguese is read but answered in English: a taught Portuguese question still goes to
    pt.yaml, kept as Portuguese (not among the entry's English examples)."""
    path = kb_dir / "phrasings" / "pt.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text('phrasings:\n  turn-off:\n    - "como desativo isso"\n', encoding="utf-8")
    question = "o linkedin usa as minhas mensagens privadas para treinar a ia"
    result = add_example(kb_dir, "private-messages", question, who="Mod", now=NOW)
    assert result.file == "knowledge/phrasings/pt.yaml"
    entry = load_knowledge(kb_dir).kb.entries["private-messages"]
    assert entry.examples[-1] == question
    assert entry.example_lang(len(entry.examples) - 1) == "pt"


def test_a_language_file_without_the_entry_gets_its_list(kb_dir: Path) -> None:
    path = _german_file(kb_dir, 'phrasings:\n  turn-off:\n    - "wie schalte ich das aus"\n')
    question = "werden meine privaten nachrichten für die ki gelesen"
    add_example(kb_dir, "private-messages", question, who="Mod", now=NOW)
    assert f'  private-messages:\n    - "{question}"' in path.read_text(encoding="utf-8")
    assert load_knowledge(kb_dir).kb.entries["private-messages"].examples[-1] == question


def test_without_a_file_for_its_language_a_question_joins_the_entry(kb_dir: Path) -> None:
    question = "liest linkedin meine privaten nachrichten für die ki mit"
    result = add_example(kb_dir, "private-messages", question, who="Mod", now=NOW)
    assert result.file == "knowledge/entries/topics.yaml"
