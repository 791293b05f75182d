"""Command line: run | chat | ask | check | sync | invite | knowledge export.

With no command and no DISCORD_TOKEN the bot opens the terminal chat on the same
answering engine, so anyone can try it without a Discord application.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, TextIO

from bot.answering.engine import Engine
from bot.answering.languages import ANSWER_LANGUAGES
from bot.answering.normalise import MAX_INPUT_CHARS
from bot.config import Settings, SettingsError
from bot.knowledge.loader import LoadResult
from bot.knowledge.location import export_knowledge
from bot.outcome import Outcome
from bot.presentation.text import to_json_line, to_text
from bot.services.validate import load_validated

NO_TOKEN_HINT = (
    "No DISCORD_TOKEN is set, so this is the terminal chat on the same answering engine.\n"
    "To put the bot on Discord, set DISCORD_TOKEN (see .env.example and the README's\n"
    "'Run it on Discord' section), then run `optout-bot run`."
)


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name (`ask --knowledge DIR q`).

    The subcommands' copies default to SUPPRESS so they never overwrite a value given
    before the subcommand."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--knowledge",
        type=Path,
        default=None if defaults else argparse.SUPPRESS,
        help="knowledge folder (default: KNOWLEDGE_DIR or the bundled one)",
    )
    options.add_argument(
        "--lang",
        choices=ANSWER_LANGUAGES,
        default=None if defaults else argparse.SUPPRESS,
        help="answer in this language (default: the question's own language, else English)",
    )
    return options


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optout-bot", description=__doc__.splitlines()[0], parents=[_global_options(True)]
    )
    common = [_global_options(False)]
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Discord (needs DISCORD_TOKEN)", parents=common)
    sub.add_parser("chat", help="talk to the bot in the terminal", parents=common)
    ask = sub.add_parser(
        "ask",
        help="answer questions given as arguments (each one a question), or one per line on stdin",
        parents=common,
    )
    ask.add_argument(
        "question", nargs="*", help="questions, each quoted (omit to read lines from stdin)"
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--platform", choices=["desktop", "mobile", "ios", "android"])
    ask.add_argument("--region", choices=["us", "eu", "uk", "ch", "ca", "hk", "other"])
    check = sub.add_parser(
        "check", help="validate a knowledge folder (exit 0 valid, 1 problems)", parents=common
    )
    check.add_argument("directory", nargs="?", type=Path)
    check.add_argument(
        "--stale-days", type=int, help="warn about entries not checked for this many days"
    )
    sub.add_parser("sync", help="register slash commands with Discord now", parents=common)
    sub.add_parser("invite", help="print the URL that adds the bot to a server", parents=common)
    knowledge = sub.add_parser("knowledge", help="manage the knowledge folder", parents=common)
    knowledge_sub = knowledge.add_subparsers(dest="action", required=True)
    export = knowledge_sub.add_parser(
        "export", help="copy the bundled knowledge into DIR, to use as KNOWLEDGE_DIR"
    )
    export.add_argument("destination", type=Path, metavar="DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The `optout-bot` command. Ctrl-C exits 130 and a closed output pipe (`| head -1`)
    exits quietly: neither prints a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"optout-bot: {problem}", file=sys.stderr)
        return 2
    knowledge = args.knowledge or settings.knowledge_dir
    command = args.command or ("run" if settings.discord_token else "chat")
    if command == "check":
        return check(args.directory or knowledge, args.stale_days or settings.stale_days)
    if command == "knowledge":
        return export(args.destination)
    if command in ("run", "sync", "invite"):
        from bot.app import run_command  # Discord is only imported when it is needed

        if args.knowledge is not None:
            settings = replace(settings, knowledge_dir=args.knowledge)
        return run_command(command, settings)
    engine = _engine(knowledge, settings.stale_days)
    if engine is None:
        return 1
    if command == "ask":
        return ask(
            engine,
            [from_argv(q) for q in args.question],
            as_json=args.json,
            platform=args.platform,
            region=args.region,
            lang=args.lang,
        )
    if args.command is None:
        print(NO_TOKEN_HINT, file=sys.stderr)
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")  # a bad byte must not end the chat
    return chat(engine, lang=args.lang)


def _discard_stdout() -> None:
    """After the reader of our output went away: send what is still buffered to /dev/null,
    so the interpreter's last flush does not raise (and print a traceback) again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def from_argv(argument: str) -> str:
    """An argument as text: bytes that were not UTF-8 become U+FFFD (Python keeps them as
    lone surrogates, which cannot be printed or put in JSON)."""
    return os.fsencode(argument).decode("utf-8", "replace")


def read_questions(stream: IO[bytes] | IO[str], cap: int = MAX_INPUT_CHARS) -> Iterator[str]:
    """One question per line, in bounded memory: a line longer than ``cap`` characters is
    cut to ``cap`` and the rest of it is skipped unread-into-memory; bad UTF-8 becomes
    U+FFFD; line ends (LF or CRLF) are dropped."""
    limit = cap * 4 + 2  # bytes: a character is at most 4 in UTF-8, plus the CRLF
    newline: str | bytes
    while True:
        chunk = stream.readline(limit)
        if not chunk:
            return
        newline = b"\n" if isinstance(chunk, bytes) else "\n"
        if not chunk.endswith(newline):  # a long line (or the last one): skip what is left
            while (rest := stream.readline(limit)) and not rest.endswith(newline):
                pass
        text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
        yield text.rstrip("\r\n").replace("\r", " ")[:cap]


def export(destination: Path) -> int:
    try:
        files = export_knowledge(destination)
    except (OSError, FileExistsError) as exc:
        print(f"optout-bot: cannot export the knowledge: {exc}", file=sys.stderr)
        return 1
    print(
        f"Copied {len(files)} files to {destination}. Point the bot at them with "
        f"KNOWLEDGE_DIR={destination.resolve()} (in .env or the environment)."
    )
    return 0


def _engine(knowledge: Path | None, stale_days: int) -> Engine | None:
    result = load_validated(knowledge, stale_days=stale_days)
    if result.kb is None:
        _print_problems(result, sys.stderr)
        return None
    return Engine(result.kb)


def _print_problems(result: LoadResult, out: TextIO) -> None:
    for problem in result.problems:
        print(problem, file=out)
    print(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)", file=out)


def check(directory: Path | None, stale_days: int) -> int:
    result = load_validated(directory, stale_days=stale_days)
    if result.kb is None:
        _print_problems(result, sys.stdout)
        return 1
    for problem in result.warnings:
        print(problem)
    kb = result.kb
    examples = sum(len(e.examples) for e in kb.entries.values())
    print(
        f"knowledge OK: {len(kb.entries)} entries, {examples} example phrasings, "
        f"{len(kb.sources)} sources, {len(kb.regions)} regions, "
        f"{result.files} files, {len(result.warnings)} warning(s)"
    )
    return 0


def ask(
    engine: Engine,
    questions: list[str],
    *,
    as_json: bool,
    platform: str | None = None,
    region: str | None = None,
    lang: str | None = None,
) -> int:
    if questions:
        lines: Iterable[str] = (q[:MAX_INPUT_CHARS] for q in questions)
    else:
        lines = read_questions(getattr(sys.stdin, "buffer", sys.stdin))
    first = True
    for line in lines:
        if not line.strip():
            continue
        answer = engine.answer(line, platform=platform, region=region, lang=lang)
        if as_json:
            print(to_json_line(answer), flush=True)
        else:
            if not first:
                print("\n" + "-" * 60 + "\n")
            print(to_text(answer), flush=True)
        first = False
    return 0


def chat(
    engine: Engine,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    lang: str | None = None,
) -> int:
    """An interactive loop; a number picks a suggested topic, `quit` or Ctrl-D leaves.
    `lang` forces the answers' language; otherwise each question's own language is used."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty()
    print(
        "Ask me about LinkedIn's 'Data for Generative AI Improvement' setting "
        "(e.g. 'how do I opt out on my iPhone'). Type 'topics' for a list, 'quit' to leave.",
        file=out,
    )
    options: list[str] = []
    last = None
    while True:
        text = _read_line(stdin, out, interactive)
        if text is None or text.lower() in QUIT_WORDS:
            print("Bye." if text is not None else "\nBye.", file=out)
            return 0
        if not text:
            continue
        if text.lower() in TOPIC_WORDS:
            topics = engine.topics()
            options = [t.id for t in topics]
            print("\n".join(f"  [{n}] {t.title}" for n, t in enumerate(topics, 1)), file=out)
            continue
        last = _chat_answer(engine, text, options, last, lang)
        options = [
            s.id
            for s in (last.choices or (last.suggestions if last.outcome != Outcome.ANSWER else ()))
        ]
        print("\n" + to_text(last, numbered_suggestions=bool(options)), file=out, flush=True)


QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit"})
TOPIC_WORDS = frozenset({"topics", "/topics", "help", "/help"})


def _read_line(stdin: TextIO, out: TextIO, interactive: bool) -> str | None:
    """The next line, stripped; None at the end of input or on Ctrl-C."""
    if interactive:
        print("\nyou> ", end="", file=out, flush=True)
    try:
        line = stdin.readline()
    except KeyboardInterrupt:
        line = ""
    return line.strip() if line else None


def _chat_answer(engine: Engine, text: str, options: list[str], last, lang: str | None):
    """A number picks one of the topics offered last, keeping its platform and region."""
    if text.isdigit() and 1 <= int(text) <= len(options):
        return engine.answer_entry(
            options[int(text) - 1],
            platform=last.platform if last else None,
            region=last.region if last else None,
            lang=lang or (last.lang if last else "en"),
        )
    return engine.answer(text, lang=lang)


if __name__ == "__main__":
    raise SystemExit(main())
