"""Issue 14.2: special files in the knowledge folder cannot hang or exhaust the bot.

A FIFO used to make every load wait forever, and a link to /dev/zero read until the OOM
killer ended the bot. Each path that reads the folder (``optout-bot check``, live reload,
the services behind ``/kb reload``, ``/kb check`` and ``/kb teach``) runs here in a child
process with memory, file-size and time limits, against a real FIFO and a real symlink to
/dev/zero: it must finish, report the file as a problem, and keep the last good knowledge.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge
from bot.services import add_example
from tests.kb_copy import copy_kb

from .special_files_child import FILE_SIZE_LIMIT, MEMORY_LIMIT

CHILD = Path(__file__).with_name("special_files_child.py")
REPO = Path(__file__).resolve().parents[2]
TIME_LIMIT = 60  # seconds; a hang (the bug) fails instead of blocking the suite
KINDS = ["fifo", "zero-link"]
REASONS = {"fifo": "named pipe (FIFO)", "zero-link": "outside the knowledge folder"}

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            args,
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            cwd=REPO,
            preexec_fn=_limits,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args[1:]} hung on a special file")


def _child(op: str, root: Path, kind: str, name: str = "entries/evil.yaml") -> dict:
    done = _run([sys.executable, str(CHILD), op, str(root), kind, name])
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("kind", KINDS)
def test_check_command_reports_the_file_and_exits_1(tmp_path: Path, kind: str) -> None:
    root = copy_kb(tmp_path)
    evil = root / "entries" / "evil.yaml"
    os.mkfifo(evil) if kind == "fifo" else evil.symlink_to("/dev/zero")
    done = _run([sys.executable, "-m", "bot", "check", str(root)])
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("knowledge/entries/evil")]
    assert line.startswith("knowledge/entries/evil.yaml: is ") and REASONS[kind] in line


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op", ["check", "reload"])
def test_kb_check_and_reload_report_and_keep_answering(tmp_path: Path, op: str, kind: str) -> None:
    out = _child(op, copy_kb(tmp_path), kind)
    assert out["ok"] is False
    assert any("entries/evil.yaml" in p and REASONS[kind] in p for p in out["problems"])
    assert out["still_answering_from"]
    assert out["told"] == (1 if op == "reload" else 0)  # reload tells the maintainers


@pytest.mark.parametrize("kind", KINDS)
def test_live_reload_reports_a_special_file_once(tmp_path: Path, kind: str) -> None:
    out = _child("watch", copy_kb(tmp_path), kind)
    assert any("entries/evil.yaml" in p and REASONS[kind] in p for p in out["problems"])
    assert out["still_answering_from"]


@pytest.mark.parametrize("kind", KINDS)
def test_teach_refuses_while_a_special_yaml_file_is_there(tmp_path: Path, kind: str) -> None:
    out = _child("teach", copy_kb(tmp_path), kind)
    assert "added" not in out and "problems right now" in out["error"]
    assert any("entries/evil.yaml" in p and REASONS[kind] in p for p in out["problems"])


@pytest.mark.parametrize("kind", KINDS)
def test_teach_never_reads_special_files_the_loader_skips(tmp_path: Path, kind: str) -> None:
    """Not YAML, so the loader ignores it; the old temporary copy of the folder followed the
    link (copying /dev/zero until the disk filled) or choked on the FIFO."""
    out = _child("teach", copy_kb(tmp_path), kind, name="notes.txt")
    assert out.get("added") == "does linkedin read my dms", out


def test_a_link_to_a_file_inside_the_folder_still_loads(tmp_path: Path) -> None:
    root = copy_kb(tmp_path)
    (root / "entries" / "topics.yaml").rename(root / "topics.real")
    (root / "entries" / "topics.yaml").symlink_to("../topics.real")
    result = load_knowledge(root, stale_days=100_000)
    assert result.ok, [str(p) for p in result.errors]


def test_a_link_to_a_yaml_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    root = copy_kb(tmp_path)
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("sources: []\n", encoding="utf-8")
    (root / "linked.yaml").symlink_to(outside)
    result = load_knowledge(root, stale_days=100_000)
    assert not result.ok
    assert [p.file for p in result.errors] == ["knowledge/linked.yaml"]


def test_teach_refuses_to_replace_a_linked_entry_file(tmp_path: Path) -> None:
    root = copy_kb(tmp_path)
    (root / "entries" / "topics.yaml").rename(root / "topics.real")
    (root / "entries" / "topics.yaml").symlink_to("../topics.real")
    with pytest.raises(Exception, match="symbolic link"):
        add_example(root, "private-messages", "does linkedin read my dms", who="Mod")
    assert (root / "entries" / "topics.yaml").is_symlink()
