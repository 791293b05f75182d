"""The terminal front end loses nothing (issue 14.4) and takes options anywhere (issue 15).

The hostile input is in each test: bad UTF-8 bytes on stdin and in an argument, CRLF line
ends, a closed output pipe, Ctrl-C, a line far longer than the input cap.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from bot import cli
from bot.answering.normalise import MAX_INPUT_CHARS

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kb_min"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "KNOWLEDGE_DIR"):
        monkeypatch.delenv(name, raising=False)


def bot_process(*args: str | bytes, stdin: bytes | None = None, **kw) -> subprocess.Popen:
    """`python -m bot …` with raw bytes arguments, as a shell would pass them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KNOWLEDGE_DIR": str(FIXTURE)}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.Popen(
        [sys.executable.encode(), b"-m", b"bot", *(a if isinstance(a, bytes) else a.encode()
                                                   for a in args)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **kw,
    )  # fmt: skip


def ask_bytes(stdin: bytes, *args: str | bytes) -> tuple[int, list[str], str]:
    proc = bot_process("ask", "--json", *args)
    out, err = proc.communicate(stdin, timeout=60)
    lines = out.decode("utf-8").splitlines()  # strict: the output itself is valid UTF-8
    return proc.returncode, lines, err.decode("utf-8", "replace")


def test_bad_utf8_on_stdin_answers_every_line_as_valid_json() -> None:
    stdin = b"opt out on my pc\n\xff\xfe broken \xc3 bytes\nare my private messages used\n"
    code, lines, err = ask_bytes(stdin)
    rows = [json.loads(line) for line in lines]
    assert code == 0 and err == "" and len(rows) == 3
    assert rows[1]["question"] == "\ufffd\ufffd broken \ufffd bytes"
    assert [r["entry"] for r in rows] == ["turn-off", None, "private-messages"]


def test_bad_utf8_in_an_argument_is_replaced_not_a_crash() -> None:
    code, lines, err = ask_bytes(b"", b"opt out on my pc \xff\xfe", "reset my password")
    rows = [json.loads(line) for line in lines]
    assert code == 0 and err == ""
    assert [r["question"] for r in rows] == ["opt out on my pc \ufffd\ufffd", "reset my password"]


def test_crlf_line_ends_leave_no_carriage_return(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"opt out\r\nhi\r\n")))
    assert cli.main(["ask", "--json", "--knowledge", str(FIXTURE)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["question"] for r in rows] == ["opt out", "hi"]


def test_a_line_longer_than_the_cap_is_read_in_bounded_memory_and_cut() -> None:
    class Endless(io.RawIOBase):
        """One 50 MB line, made up as it is read (never held whole by the test)."""

        def __init__(self) -> None:
            self.left = 50_000_000

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            n = min(len(buffer), self.left)
            if n == 0:
                return 0
            view = memoryview(buffer).cast("B")
            view[:n] = b"a" * (n - 1) + b"\n" if n == self.left else b"a" * n
            self.left -= n
            return n

    raw = Endless()
    tracemalloc.start()
    try:
        questions = list(cli.read_questions(io.BufferedReader(raw)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [len(q) for q in questions] == [MAX_INPUT_CHARS] and raw.left == 0
    assert peak < 1_000_000, peak  # the line was 50 MB
    stream = io.BytesIO(b"x" * 10 * MAX_INPUT_CHARS + b"\nopt out\n")
    assert [len(q) for q in cli.read_questions(stream)] == [MAX_INPUT_CHARS, 7]


def test_a_long_question_is_echoed_cut_to_the_cap(capsys) -> None:
    code = cli.main(["ask", "--json", "--knowledge", str(FIXTURE), "opt out " * 1000])
    assert code == 0
    assert len(json.loads(capsys.readouterr().out)["question"]) == MAX_INPUT_CHARS


def test_a_closed_output_pipe_exits_quietly() -> None:
    """`optout-bot ask --json < many | head -1`: no BrokenPipeError traceback."""
    proc = bot_process("ask", "--json")
    proc.stdin.write(b"how do i opt out\n" * 3000)
    proc.stdin.close()
    first = proc.stdout.readline()
    proc.stdout.close()  # what `head -1` does after its line
    assert proc.wait(timeout=60) == 0
    err = proc.stderr.read().decode()
    assert json.loads(first)["entry"] == "turn-off"
    assert err == "", err


def test_ctrl_c_in_ask_exits_130_without_a_traceback() -> None:
    proc = bot_process("ask", "--json")
    proc.stdin.write(b"opt out\n")
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["entry"] == "turn-off"  # now waiting on stdin
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    proc.stdin.close()
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["--knowledge", str(FIXTURE), "ask", "--json", "opt out"],
        ["ask", "--knowledge", str(FIXTURE), "--json", "opt out"],
        ["ask", "--json", "opt out", "--knowledge", str(FIXTURE)],
    ],
)
def test_global_options_before_or_after_the_subcommand(argv, capsys, tmp_path) -> None:
    (tmp_path / "missing").mkdir()
    os.environ["KNOWLEDGE_DIR"] = str(tmp_path / "missing")  # would fail if --knowledge lost
    try:
        assert cli.main(argv) == 0
    finally:
        del os.environ["KNOWLEDGE_DIR"]
    assert json.loads(capsys.readouterr().out)["entry"] == "turn-off"


def test_check_takes_the_option_after_its_name(capsys) -> None:
    assert cli.main(["check", "--knowledge", str(FIXTURE)]) == 0
    assert capsys.readouterr().out.startswith("knowledge OK: 4 entries")


def test_each_argument_is_its_own_question(capsys) -> None:
    assert cli.main(["ask", "--json", "--knowledge", str(FIXTURE), "opt out", "hi"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["question"] for r in rows] == ["opt out", "hi"]


def test_bad_utf8_in_the_chat_is_replaced_not_a_crash(monkeypatch) -> None:
    monkeypatch.setenv("PYTHONIOENCODING", "utf-8:strict")  # as in a en_US.UTF-8 terminal
    proc = bot_process("chat")
    out, err = proc.communicate(b"\xff\xfe opt out \xc3\nquit\n", timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err, err
    assert out.decode("utf-8").rstrip().endswith("Bye.")
