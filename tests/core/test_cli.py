"""The command line: ask (text and --json), stdin batches, check exit codes, chat."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kb_min"
SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"
JSON_KEYS = {"question", "entry", "confidence", "platform", "region", "suggestions", "answer"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No token, no .env, the fixture knowledge: every test starts like a newcomer."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "KNOWLEDGE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE))


def run(argv: list[str], capsys, stdin: str = "", monkeypatch=None) -> tuple[int, str, str]:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_has_the_promised_keys(capsys) -> None:
    code, out, _ = run(["ask", "--json", "how do i opt out on my iphone in germany"], capsys)
    data = json.loads(out)
    assert code == 0 and set(data) >= JSON_KEYS
    assert (data["entry"], data["platform"], data["region"]) == ("turn-off", "ios", "eu")
    assert 0 < data["confidence"] <= 1 and "Direct link" in data["answer"]


def test_ask_json_reads_one_question_per_line(capsys, monkeypatch) -> None:
    stdin = "are my private messages used\n\nreset my password\nopt out on my pc\n"
    code, out, _ = run(["ask", "--json"], capsys, stdin, monkeypatch)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["question"] for r in rows] == [
        "are my private messages used",
        "reset my password",
        "opt out on my pc",
    ]
    assert [r["entry"] for r in rows] == ["private-messages", None, "turn-off"]
    assert rows[1]["suggestions"] and rows[2]["platform"] == "desktop"


def test_ask_text_is_readable(capsys) -> None:
    code, out, _ = run(["ask", "how", "do", "i", "opt", "out", "on", "android"], capsys)
    assert code == 0 and "Android app" in out and "**" not in out
    assert "What it does not cover" in out


def test_check_exit_codes(capsys, tmp_path: Path) -> None:
    code, out, _ = run(["check", str(FIXTURE)], capsys)
    assert code == 0 and out.strip().startswith("knowledge OK: 4 entries")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text("entries: [\n")
    code, out, _ = run(["check", str(broken)], capsys)
    assert code == 1 and "x.yaml:" in out and "error(s)" in out


def test_bad_knowledge_fails_clearly(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path / "missing"))
    code, _, err = run(["ask", "hi"], capsys)
    assert code == 1 and "not found" in err


def test_no_token_opens_chat_and_says_how_to_connect(capsys, monkeypatch) -> None:
    code, out, err = run([], capsys, "how do i opt out\n2\nquit\n", monkeypatch)
    assert code == 0 and "DISCORD_TOKEN" in err
    assert "Turn off AI training" in out and out.rstrip().endswith("Bye.")


def test_chat_numbers_pick_suggestions(capsys, monkeypatch) -> None:
    code, out, _ = run(["chat"], capsys, "zzz qqq\n1\n", monkeypatch)
    assert code == 0 and "Type a number to pick one" in out
    assert out.count("Last checked") == 1  # the picked topic was answered


def test_installed_command_runs_from_any_folder(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("optout-bot")
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(exe), "ask", "--json", "how do I opt out on my iPhone"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entry"] == "turn-off"


def test_ask_lang_forces_the_language_before_or_after_the_command(capsys) -> None:
    """Issue 13: `--lang` answers in that language even for an English question."""
    question = "how do i opt out on my phone"
    shipped = ["--knowledge", str(SHIPPED)]
    for argv in (
        ["ask", "--lang", "de", "--json", question],
        ["--lang", "de", "ask", "--json", question],
    ):
        code, out, _ = run([*argv, *shipped], capsys)
        answer = json.loads(out)
        assert code == 0 and answer["lang"] == "de", argv
        assert answer["entry"] == "turn-off"
    code, out, _ = run(["ask", "--json", question, *shipped], capsys)
    assert json.loads(out)["lang"] == "en"  # without it, the question's own language


def test_ask_lang_rejects_a_language_without_translations(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["ask", "--lang", "pt", "hello"])


def test_chat_lang_answers_in_that_language(capsys, monkeypatch) -> None:
    argv = ["chat", "--lang", "fr", "--knowledge", str(SHIPPED)]
    code, out, _ = run(argv, capsys, "how do i opt out\nquit\n", monkeypatch)
    assert code == 0
    assert "Comment désactiver" in out  # the French title of turn-off
