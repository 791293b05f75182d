"""Every kind of bad knowledge edit is rejected with its file and line, all in one run."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.knowledge.safe_yaml import MAX_FILE_BYTES

TOPICS = "entries/topics.yaml"


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(root: Path, name: str, needle: str) -> int:
    """The line of the last occurrence (a duplicate is reported where it repeats)."""
    lines = (root / name).read_text(encoding="utf-8", errors="replace").splitlines()
    found = [n for n, line in enumerate(lines, 1) if needle in line]
    assert found, needle
    return found[-1]


def test_fixture_is_valid(kb_copy: Path) -> None:
    result = load_knowledge(kb_copy)
    assert result.ok, [str(p) for p in result.problems]
    assert set(result.kb.entries) == {"turn-off", "private-messages", "regions", "offtopic-account"}


# (name, edit function, file, expected message fragment, needle on the reported line or None)
BAD_EDITS = [
    (
        "syntax error",
        lambda r: edit(
            r, TOPICS, "title: Are private messages used?", "title: [Are private messages used?"
        ),
        TOPICS,
        "YAML syntax error",
        None,
    ),
    (
        "bad indentation",
        lambda r: edit(
            r, TOPICS, "    answer: LinkedIn says private", "      answer: LinkedIn says private"
        ),
        TOPICS,
        "YAML syntax error",
        None,
    ),
    (
        "unknown key",
        lambda r: edit(
            r,
            TOPICS,
            "    examples:\n      - how do i opt out",
            "    exmaples:\n      - how do i opt out",
        ),
        TOPICS,
        "did you mean 'examples'",
        "exmaples:",
    ),
    (
        "duplicate id",
        lambda r: edit(r, TOPICS, "id: regions", "id: private-messages"),
        TOPICS,
        "duplicate entry id 'private-messages'",
        "id: private-messages",
    ),
    (
        "duplicate phrasing",
        lambda r: edit(r, TOPICS, "- does it read my dms", "- How do I opt out?"),
        TOPICS,
        "already used by entry 'turn-off'",
        "How do I opt out?",
    ),
    (
        "dangling source",
        lambda r: edit(r, TOPICS, "sources: [help-page, news]", "sources: [help-page, newz]"),
        TOPICS,
        "unknown source 'newz'",
        "newz",
    ),
    (
        "wrong type",
        lambda r: edit(
            r, TOPICS, "answer: LinkedIn says private messages are not used.", "answer: [not, text]"
        ),
        TOPICS,
        "must be text",
        "answer: [not, text]",
    ),
    (
        "empty answer",
        lambda r: edit(
            r, TOPICS, "answer: LinkedIn says private messages are not used.", "answer: ''"
        ),
        TOPICS,
        "is empty",
        "answer: ''",
    ),
    (
        "over-long answer",
        lambda r: edit(
            r,
            TOPICS,
            "answer: LinkedIn says private messages are not used.",
            "answer: " + "x" * 1600,
        ),
        TOPICS,
        "the limit is 1500",
        "answer: xxx",
    ),
    (
        "unknown region",
        lambda r: edit(r, TOPICS, "      eu: In the EU", "      europe: In the EU"),
        TOPICS,
        "unknown region 'europe'",
        "europe: In the EU",
    ),
    (
        "python tag",
        lambda r: edit(
            r,
            TOPICS,
            "answer: LinkedIn says private messages are not used.",
            "answer: !!python/object/apply:os.system ['echo hi']",
        ),
        TOPICS,
        "is not allowed",
        "!!python",
    ),
    (
        "alias bomb",
        lambda r: (r / "bomb.yaml").write_text(
            "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
            "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        ),
        "bomb.yaml",
        "aliases",
        None,
    ),
    (
        "non-UTF-8 bytes",
        lambda r: (r / TOPICS).write_bytes(
            (r / TOPICS).read_bytes().replace(b"Are private", b"Are \xff private", 1)
        ),
        TOPICS,
        "not valid UTF-8",
        "Are",
    ),
    ("huge file", lambda r: (r / "huge.yaml").write_bytes(b"# " + b"x" * (MAX_FILE_BYTES + 10))),
    ("half-written file", lambda r: (r / TOPICS).write_bytes((r / TOPICS).read_bytes()[:1500])),
    ("deleted file", lambda r: (r / "base.yaml").unlink()),
    (
        "missing required field",
        lambda r: edit(r, TOPICS, '    checked: "2026-11-01"\n  - id: regions', "  - id: regions"),
        TOPICS,
        "missing required key 'checked'",
        None,
    ),
    (
        "deep nesting",
        lambda r: (r / "deep.yaml").write_text("x: " + "[" * 5000 + "]" * 5000 + "\n"),
        "deep.yaml",
        "",
        None,
    ),
    (
        "steps without scope",
        lambda r: edit(
            r, TOPICS, "    covers: [Future training of content-generating models]\n", ""
        ),
        TOPICS,
        "must say what it covers",
        None,
    ),
    (
        "bad date",
        lambda r: edit(r, TOPICS, 'checked: "2026-11-01"', "checked: last tuesday"),
        TOPICS,
        "must be a date",
        "last tuesday",
    ),
    (
        "unknown section",
        lambda r: (r / "extra.yaml").write_text("entires:\n  - id: x\n"),
        "extra.yaml",
        "did you mean 'entries'",
        "entires",
    ),
]
BAD_EDITS = [case if len(case) == 5 else (*case, None, "", None) for case in BAD_EDITS]


@pytest.mark.parametrize(
    ("name", "apply", "file", "message", "needle"), BAD_EDITS, ids=[c[0] for c in BAD_EDITS]
)
def test_bad_edit_is_rejected_with_file_and_line(
    kb_copy: Path, name, apply, file, message, needle
) -> None:
    apply(kb_copy)
    result = load_knowledge(kb_copy)
    assert result.kb is None, f"{name} was accepted"
    assert result.errors
    text = "\n".join(str(p) for p in result.errors)
    if file:
        matching = [p for p in result.errors if p.file.endswith(file) and message in p.message]
        assert matching, text
        if needle:
            assert matching[0].line == line_of(kb_copy, file, needle), text
        assert matching[0].line > 0 or "aliases" in message or not needle, text


def test_all_problems_are_reported_in_one_run(kb_copy: Path) -> None:
    edit(kb_copy, TOPICS, "sources: [help-page, news]", "sources: [help-page, newz]")
    edit(kb_copy, TOPICS, "- does it read my dms", "- How do I opt out?")
    edit(
        kb_copy,
        TOPICS,
        "    examples:\n      - does this apply",
        "    exampels:\n      - does this apply",
    )
    result = load_knowledge(kb_copy)
    messages = " | ".join(str(p) for p in result.errors)
    assert "newz" in messages and "already used" in messages and "exampels" in messages


def test_huge_file_is_refused_without_reading(kb_copy: Path) -> None:
    huge = kb_copy / "huge.yaml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = load_knowledge(kb_copy)
    assert any("limit is" in p.message and p.file.endswith("huge.yaml") for p in result.errors)


def test_python_tag_is_never_executed(kb_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    (kb_copy / "evil.yaml").write_text(f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    result = load_knowledge(kb_copy)
    assert not result.ok
    assert not marker.exists()


def test_stale_entries_are_a_warning_not_an_error(kb_copy: Path) -> None:
    result = load_knowledge(kb_copy, today=date(2027, 12, 1), stale_days=90)
    assert result.ok
    assert any("last checked" in p.message for p in result.warnings)
    assert load_knowledge(kb_copy, today=date(2026, 11, 23), stale_days=90).warnings == []


def test_unreadable_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = load_knowledge(tmp_path / "missing")
    assert not result.ok and "not found" in result.errors[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(kb_copy: Path) -> None:
    (kb_copy / TOPICS).chmod(0)
    assert not load_knowledge(kb_copy).ok


def test_backup_and_hidden_folders_are_skipped(kb_copy: Path) -> None:
    (kb_copy / ".backups").mkdir()
    (kb_copy / ".backups" / "topics.yaml").write_text("not: [valid")
    assert load_knowledge(kb_copy).ok


def test_snapshot_is_immutable(fixture_kb) -> None:
    with pytest.raises(TypeError):
        fixture_kb.entries["x"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        fixture_kb.entries["turn-off"].answer = "changed"  # type: ignore[misc]


def test_a_long_title_needs_a_short_title(kb_copy: Path) -> None:
    """Buttons show short_title on phones; a title over 40 characters without one is an error."""
    old = "title: Turn off AI training on your data"
    long_title = "Turn off AI training on your data, step by step, on every device"
    edit(kb_copy, TOPICS, old, f"title: {long_title}")
    result = load_knowledge(kb_copy)
    assert any("short_title" in p.message for p in result.problems)
    edit(kb_copy, TOPICS, long_title, f"{long_title}\n    short_title: Turn off AI training")
    result = load_knowledge(kb_copy)
    assert result.ok, [str(p) for p in result.problems]
    assert result.kb.entries["turn-off"].label == "Turn off AI training"


FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) if c != " " else c for c in "how do i opt out")
NEAR_COPIES = ["Hòw dó Í ÓPT óut?", FULL_WIDTH, "how do i opt_out"]


@pytest.mark.parametrize("copy", NEAR_COPIES, ids=["accents", "full-width", "underscore"])
def test_near_copy_of_another_entrys_phrasing_is_a_duplicate(kb_copy: Path, copy: str) -> None:
    """Issue 14.3: the matcher sees these as 'how do i opt out' (turn-off's phrasing); taught
    to the off-topic catcher they used to pass check and then declined the original."""
    edit(kb_copy, TOPICS, "      - how do i change my email", f'      - "{copy}"')
    errors = [str(p) for p in load_knowledge(kb_copy).errors]
    assert len(errors) == 1 and "already used by entry 'turn-off'" in errors[0], errors


def test_every_entry_rule_says_why() -> None:
    """The entry rules are the list a moderator's problems come from: each one is a named
    function whose docstring says why the rule exists (issue 11: named rules, not one
    36-branch function)."""
    from bot.knowledge.entry_rules import ENTRY_RULES

    assert len(ENTRY_RULES) == len({rule.__name__ for rule in ENTRY_RULES}) >= 10
    assert all((rule.__doc__ or "").strip() for rule in ENTRY_RULES)


def test_an_entry_breaking_several_rules_reports_each_in_rule_order(kb_copy: Path) -> None:
    """One run names every broken rule of an entry, top to bottom, each at its own line."""
    edit(
        kb_copy,
        TOPICS,
        "    answer: LinkedIn says private",
        "    kind: answr\n    answer: LinkedIn says private",
    )
    edit(kb_copy, TOPICS, "    sources: [help-page, news]", "    sources: [help-page, newz]")
    edit(
        kb_copy,
        TOPICS,
        "    answer: LinkedIn says private",
        "    related: [private-messages]\n    answer: LinkedIn says private",
    )
    errors = [p for p in load_knowledge(kb_copy).errors if "'private-messages'" in p.message]
    assert [p.message.split(": ", 1)[1].split(" ")[0:2] for p in errors] == [
        ["kind", "must"],
        ["unknown", "source"],
        ["unknown", "related"],
    ], [str(p) for p in errors]
    assert errors[0].line == line_of(kb_copy, TOPICS, "kind: answr")
    assert errors[1].line == line_of(kb_copy, TOPICS, "sources: [help-page, newz]")


def _lent(root: Path) -> list[str]:
    result = load_knowledge(root, stale_days=100_000)
    assert result.ok, [str(p) for p in result.errors]
    return [str(p) for p in result.problems if "otherwise only the off-topic" in p.message]


def test_an_answer_phrasing_borrowing_an_off_topic_name_is_a_warning(kb_copy: Path) -> None:
    """One answer phrasing naming Mastodon in passing makes the name shared, and questions
    about Mastodon's own AI training would be answered as about LinkedIn's setting."""
    edit(
        kb_copy,
        TOPICS,
        "      - reset my password\n",
        "      - reset my password\n      - opt out of mastodon training\n"
        "      - is mastodon training ai on my toots\n",
    )
    assert _lent(kb_copy) == []
    (kb_copy / "phrasings").mkdir()
    (kb_copy / "phrasings" / "en.yaml").write_text(
        "phrasings:\n  turn-off:\n    - a friend on mastodon says i should opt out, how\n",
        encoding="utf-8",
    )
    assert _lent(kb_copy) == [
        "knowledge/phrasings/en.yaml:3: warning: a phrasing of 'turn-off' names 'mastodon', "
        "which otherwise only the off-topic entries know (as at knowledge/entries/topics.yaml:"
        f"{line_of(kb_copy, TOPICS, 'opt out of mastodon')}): questions about mastodon would "
        "then be answered as about this setting; reword one of the two"
    ]


def test_shared_and_everyday_words_are_not_borrowed_names(kb_copy: Path) -> None:
    # "password" is an everyday word; "glassdoor" is used by three answer phrasings, so it is
    # the answer entries' own word as much as the off-topic one's.
    edit(
        kb_copy,
        TOPICS,
        "      - reset my password\n",
        "      - reset my password\n      - glassdoor reviews\n",
    )
    (kb_copy / "phrasings").mkdir()
    (kb_copy / "phrasings" / "en.yaml").write_text(
        "phrasings:\n  turn-off:\n"
        "    - is my password used, how do i opt out\n"
        "    - glassdoor and linkedin both, opt out\n"
        "    - like glassdoor, can i switch it off\n"
        "    - opt out as on glassdoor\n",
        encoding="utf-8",
    )
    assert _lent(kb_copy) == []


def test_a_misnamed_phrasings_file_is_english_for_borrowed_names_too(kb_copy: Path) -> None:
    """The loader reads phrasings/english.yaml as English; so does the borrowed-name check."""
    (kb_copy / "phrasings").mkdir()
    (kb_copy / "phrasings" / "english.yaml").write_text(
        "phrasings:\n  offtopic-account:\n"
        "    - opt out of mastodon training\n    - is mastodon training ai on my toots\n"
        "  turn-off:\n    - a friend on mastodon says i should opt out, how\n",
        encoding="utf-8",
    )
    assert len(_lent(kb_copy)) == 1
